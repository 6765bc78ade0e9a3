package httpapi_test

import (
	"bytes"
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestErrorWording pins the sentences of the problems an operator or a client meets
// first: they say what to do, in plain words.
func TestErrorWording(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		// A 401 names the header literally, not as \u003ctoken\u003e.
		r := a.do("GET", "/api/v1/me", "", nil).want(t, 401)
		if !bytes.Contains(r.Raw, []byte("Bearer <token>")) {
			t.Errorf("401 detail is not plain text: %s", r.Raw)
		}

		own := a.signUp("Owner")
		ws := own.WorkspaceID
		viewer := a.signUp("Viewer")
		a.join(ws, viewer, sb.RoleViewer)
		r = a.do("PATCH", "/api/v1/workspaces/"+ws, viewer.Token, map[string]any{"name": "x"}).want(t, 403, "forbidden")
		if d := r.Str("detail"); !strings.Contains(d, "Only admins or owners can do this; you are a viewer.") {
			t.Errorf("403 detail: %q", d)
		}
		r = a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", viewer.Token, map[string]any{"minute_budget": 5}).want(t, 403, "forbidden")
		if d := r.Str("detail"); !strings.Contains(d, "Only the workspace's owner can do this; you are a viewer.") {
			t.Errorf("403 owner detail: %q", d)
		}

		// A 402 says how many minutes are available.
		a.grant(own.AccountID, 30)
		r = a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", own.Token, map[string]any{"minute_budget": 100}).want(t, 402, "insufficient_minutes")
		if d := r.Str("detail"); !strings.Contains(d, "30 minutes available") || !strings.Contains(d, "70 minutes too few") {
			t.Errorf("402 detail: %q", d)
		}
		a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", own.Token, map[string]any{"minute_budget": 0}).want(t, 200)
		r = a.do("POST", "/api/v1/workspaces/"+ws+"/calls/authorize", own.Token, map[string]any{"estimated_seconds": 60}).want(t, 402, "insufficient_minutes")
		if d := r.Str("detail"); !strings.Contains(d, "0 minutes are available") {
			t.Errorf("402 authorize detail: %q", d)
		}

		// smtp_not_configured names the console page and the API path.
		a.setPlan(own.AccountID, "enterprise")
		r = a.do("POST", "/api/v1/workspaces/"+ws+"/invitations", own.Token, map[string]any{"email": "x@example.com", "role": "member"}).want(t, 409, "smtp_not_configured")
		if d := r.Str("detail"); !strings.Contains(d, "Settings → Integrations (/w/"+ws+"/settings/integrations)") || !strings.Contains(d, "PUT /api/v1/workspaces/"+ws+"/integrations/smtp") {
			t.Errorf("smtp_not_configured detail: %q", d)
		}

		// Several field problems: the count is in good English.
		r = a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "not-an-email", "password": "x", "name": ""}).want(t, 422)
		if d := r.Str("detail"); strings.Contains(d, "1 more problems") || !strings.Contains(d, "more problem") {
			t.Errorf("422 detail: %q", d)
		}
	})
}
