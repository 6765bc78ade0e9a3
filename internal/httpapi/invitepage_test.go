package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/mail"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// getPage fetches an HTML page and returns its status, headers and text.
func (a *api) getPage(path string) (int, http.Header, string) {
	a.t.Helper()
	res, err := a.srv.Client().Get(a.srv.URL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestInvitePage(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr())
		a.do("PATCH", "/api/v1/workspaces/"+owner.WorkspaceID, owner.Token, map[string]any{"name": "Acme <Calls>"}).want(t, 200)
		r := a.invite(owner.Token, owner.WorkspaceID, "guest@example.com", sb.RoleManager).want(t, 201)
		token := strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")

		// Opening the page twice shows the invitation and never uses it up.
		for i := 0; i < 2; i++ {
			status, h, body := a.getPage("/invite/" + token)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("page: %d %s", status, h.Get("Content-Type"))
			}
			for _, want := range []string{"Acme &lt;Calls&gt;", "guest@example.com", "manager", `data-token="` + token + `"`, "/static/invite.js"} {
				if !strings.Contains(body, want) {
					t.Fatalf("page lacks %q:\n%s", want, body)
				}
			}
			if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
				t.Fatalf("page headers: %v", h)
			}
		}
		if status, h, js := a.getPage("/static/invite.js"); status != 200 || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(js, "/accept") {
			t.Fatalf("script: %d %s", status, h.Get("Content-Type"))
		}
		// The sign-up the page's form sends works with the token.
		a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "guest@example.com", "password": "correct horse", "name": "Guest", "invitation_token": token}).want(t, 201)

		status, _, body := a.getPage("/invite/" + token)
		if status != 410 || !strings.Contains(body, "cannot be used") {
			t.Fatalf("used link page: %d\n%s", status, body)
		}
		if status, _, _ := a.getPage("/invite/sbi_unknown"); status != 404 {
			t.Fatalf("unknown link page: %d", status)
		}
	})
}
