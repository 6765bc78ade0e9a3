package httpapi_test

// A second independent black-box check of the running API against api.md,
// permissions.md and product.md, for the endpoints built last: invitations, SMTP
// and white-label settings, and the workspace resources (assistants, workflows,
// contacts and imports, campaigns, calls, analytics). The helpers shape, problem
// and listShape are those of contract_test.go.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var (
	invitationShape = map[string]string{
		"id": "string", "email": "string", "role": "string", "status": "string", "created_at": "time",
		"expires_at": "time", "invited_by": "string", "delivery": "object",
	}
	previewShape = map[string]string{
		"email": "string", "role": "string", "workspace": "object", "inviter": "object", "expires_at": "time", "branding": "object",
	}
	smtpShape = map[string]string{
		"host": "string", "port": "number", "username": "string", "from_email": "string", "from_name": "string",
		"security": "string", "password_set": "bool", "inherited": "bool",
	}
	whiteLabelShape = map[string]string{
		"brand_name": "string", "logo_url": "string", "primary_color": "string", "custom_domain": "string", "support_email": "string",
	}
	assistantShape = map[string]string{
		"id": "string", "name": "string", "first_message": "string", "system_prompt": "string", "voice": "string",
		"language": "string", "model": "string", "created_at": "time", "updated_at": "time",
	}
	workflowShape = map[string]string{"id": "string", "name": "string", "definition": "object", "created_at": "time", "updated_at": "time"}
	versionShape  = map[string]string{"version": "number", "deployed_at": "time"}
	contactShape  = map[string]string{
		"id": "string", "first_name": "string", "last_name": "string", "phone": "string", "email": "string",
		"company": "string", "tags": "array", "created_at": "time", "updated_at": "time",
	}
	importShape = map[string]string{
		"id": "string", "status": "string", "rows_total": "number", "rows_imported": "number", "rows_rejected": "number",
	}
	campaignShape = map[string]string{
		"id": "string", "name": "string", "assistant_id": "string|null", "contact_tag": "string",
		"max_concurrent_calls": "number", "schedule": "object", "status": "string", "audience_size": "number",
		"created_at": "time", "updated_at": "time",
	}
	scheduleShape = map[string]string{
		"timezone": "string", "days": "array", "start_time": "string", "end_time": "string",
		"start_date": "string|null", "end_date": "string|null",
	}
	callShape = map[string]string{
		"id": "string", "external_id": "string", "direction": "string", "from": "string", "to": "string",
		"started_at": "time", "ended_at": "time", "duration_seconds": "number", "outcome": "string",
		"assistant_id": "string|null", "campaign_id": "string|null", "contact_id": "string|null", "created_at": "time",
	}
)

// tokenOf is the invitation token carried by an accept_url.
func tokenOf(acceptURL string) string {
	i := strings.LastIndex(acceptURL, "/invite/")
	if i < 0 {
		return ""
	}
	return acceptURL[i+len("/invite/"):]
}

// fieldErrors fails unless a 422 names at least one field error, and every
// location starts with one of the prefixes.
func fieldErrors(t *testing.T, what string, r *resp, prefixes ...string) {
	t.Helper()
	problem(t, r, 422, "validation_failed")
	errs, _ := r.Body["errors"].([]any)
	if len(errs) == 0 {
		t.Errorf("%s: 422 without errors[]: %s", what, r.Raw)
		return
	}
	for _, e := range errs {
		loc, _ := e.(map[string]any)["location"].(string)
		ok := len(prefixes) == 0
		for _, p := range prefixes {
			if strings.HasPrefix(loc, p) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: error location %q, want one of %v: %s", what, loc, prefixes, r.Raw)
		}
	}
}

// itemKey identifies a list item.
func itemKey(it map[string]any) string {
	for _, k := range []string{"id", "user_id", "version"} {
		if v, ok := it[k]; ok {
			return fmt.Sprint(v)
		}
	}
	return fmt.Sprint(it)
}

// checkPaging holds a list endpoint to the list convention: {items, next_cursor},
// limit=1 pages through every item once, bad limits are 422. path may have a query.
func checkPaging(t *testing.T, a *api, token, path string, wantAtLeast int) []map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	all := a.do("GET", path, token, nil).want(t, 200)
	shape(t, path, all.Body, listShape)
	n := len(all.Items())
	if n < wantAtLeast {
		t.Errorf("%s: %d items, want at least %d", path, n, wantAtLeast)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		p := a.do("GET", path+sep+"limit=1&cursor="+cursor, token, nil).want(t, 200)
		shape(t, path+" page", p.Body, listShape)
		if len(p.Items()) > 1 {
			t.Errorf("%s: limit=1 gave %d items", path, len(p.Items()))
			break
		}
		for _, it := range p.Items() {
			k := itemKey(it)
			if seen[k] {
				t.Errorf("%s: %s on two pages", path, k)
			}
			seen[k] = true
		}
		if cursor = p.Str("next_cursor"); cursor == "" {
			break
		}
		if pages > n+1 {
			t.Errorf("%s: paging does not end", path)
			break
		}
	}
	if len(seen) != n {
		t.Errorf("%s: paging with limit=1 saw %d of %d items", path, len(seen), n)
	}
	for _, bad := range []string{"0", "201", "-1", "ten"} {
		problem(t, a.do("GET", path+sep+"limit="+bad, token, nil), 422, "validation_failed")
	}
	return all.Items()
}

func TestContract2InvitationLifecycle(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("IOwner")
		a.setPlan(owner.AccountID, "pro")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws
		invs := base + "/invitations"
		problem(t, a.invite(owner.Token, ws, "first@example.com", sb.RoleMember), 409, "smtp_not_configured")
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, ws, catcher.Addr())

		// Bad input: 422 naming the field, and no invitation made.
		for name, body := range map[string]any{
			"bad email":     map[string]any{"email": "not-an-email", "role": "member"},
			"owner role":    map[string]any{"email": "x@example.com", "role": "owner"},
			"unknown role":  map[string]any{"email": "x@example.com", "role": "boss"},
			"no role":       map[string]any{"email": "x@example.com"},
			"no email":      map[string]any{"role": "member"},
			"number email":  map[string]any{"email": 5, "role": "member"},
			"unknown field": map[string]any{"email": "x@example.com", "role": "member", "expires_at": "2030-01-01T00:00:00Z"},
		} {
			fieldErrors(t, name, a.do("POST", invs, owner.Token, body), "body")
		}
		problem(t, a.do("POST", invs, owner.Token, `{"email": `), 400, "bad_request")
		for _, st := range []string{"pending", "expired", "accepted", "revoked"} {
			if n := len(a.do("GET", invs+"?status="+st, owner.Token, nil).want(t, 200).Items()); n != 0 {
				t.Fatalf("a refused invitation was made (%s: %d)", st, n)
			}
		}

		now := a.clock.Now()
		r := a.invite(owner.Token, ws, "Nina@Example.com", sb.RoleManager).want(t, 201)
		shape(t, "invitation", r.Body, invitationShape)
		shape(t, "invitation.delivery", r.Body["delivery"], map[string]string{"status": "string"})
		if d := r.Str("delivery.status"); d != "queued" && d != "sent" && d != "failed" {
			t.Errorf("delivery.status %q", d)
		}
		if r.Str("status") != "pending" || r.Str("role") != "manager" || r.Str("invited_by") != owner.ID || !strings.EqualFold(r.Str("email"), "nina@example.com") {
			t.Errorf("created invitation: %s", r.Raw)
		}
		created, _ := time.Parse(time.RFC3339Nano, r.Str("created_at"))
		expires, _ := time.Parse(time.RFC3339Nano, r.Str("expires_at"))
		if expires.Sub(created) != sb.InvitationTTL {
			t.Errorf("expires_at − created_at = %v, want 7 days", expires.Sub(created))
		}
		if d := created.Sub(now); d < -time.Second || d > time.Second {
			t.Errorf("created_at %v, want about %v (the server's clock)", created, now)
		}
		acceptURL := r.Str("accept_url")
		token := tokenOf(acceptURL)
		if !strings.HasPrefix(acceptURL, testBaseURL+"/invite/") || token == "" {
			t.Fatalf("accept_url %q, want %s/invite/<token>", acceptURL, testBaseURL)
		}
		invID := r.Str("id")

		// The list: same fields, no link, no token.
		items := checkPaging(t, a, owner.Token, invs, 1)
		if len(items) != 1 || items[0]["id"] != invID {
			t.Fatalf("list: %v", items)
		}
		shape(t, "listed invitation", items[0], invitationShape)
		lst := a.do("GET", invs, owner.Token, nil)
		if strings.Contains(string(lst.Raw), token) || items[0]["accept_url"] != nil {
			t.Errorf("the list shows the link: %s", lst.Raw)
		}
		for _, st := range []string{"pending", "accepted", "revoked", "expired"} {
			a.do("GET", invs+"?status="+st, owner.Token, nil).want(t, 200)
		}
		problem(t, a.do("GET", invs+"?status=all", owner.Token, nil), 422, "validation_failed")

		// Conflicts.
		problem(t, a.invite(owner.Token, ws, "NINA@example.com", sb.RoleViewer), 409, "invitation_pending")
		problem(t, a.invite(owner.Token, ws, strings.ToUpper(owner.Email), sb.RoleAdmin), 409, "already_member")

		// The preview, for anyone, any number of times.
		for range 2 {
			p := a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 200)
			shape(t, "preview", p.Body, previewShape)
			shape(t, "preview.workspace", p.Body["workspace"], map[string]string{"name": "string"})
			shape(t, "preview.inviter", p.Body["inviter"], map[string]string{"name": "string"})
			if p.Str("role") != "manager" || p.Str("inviter.name") != "IOwner" || p.Str("expires_at") == "" {
				t.Errorf("preview: %s", p.Raw)
			}
			if pe, _ := time.Parse(time.RFC3339Nano, p.Str("expires_at")); !pe.Equal(expires) {
				t.Errorf("preview expires_at %v, want %v", pe, expires)
			}
		}
		problem(t, a.do("GET", "/api/v1/invitations/sbi_unknown_token", "", nil), 404, "not_found")
		problem(t, a.do("POST", "/api/v1/invitations/sbi_unknown_token/accept", owner.Token, nil), 404, "not_found")

		// Accepting needs a signed-in user with the invited email.
		problem(t, a.do("POST", "/api/v1/invitations/"+token+"/accept", "", nil), 401, "unauthorized")
		mallory := a.signUp("Mallory")
		problem(t, a.do("POST", "/api/v1/invitations/"+token+"/accept", mallory.Token, nil), 403, "email_mismatch")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "mallory-x@example.com", "password": "correct horse", "name": "M", "invitation_token": token}), 403, "email_mismatch")
		problem(t, a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "mallory-x@example.com", "password": "correct horse"}), 401, "invalid_credentials")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": mallory.Email, "password": "correct horse", "name": "M", "invitation_token": token}), 403, "email_mismatch")
		// Accepting is for a person signed in, not an API key, even of the invited person.
		_, nkey := a.apiKeyFor(mallory.Token, mallory.WorkspaceID, sb.RoleAdmin)
		problem(t, a.do("POST", "/api/v1/invitations/"+token+"/accept", nkey, nil), 403, "forbidden")
		if meRole(t, a, mallory.Token, ws) != "" {
			t.Fatal("a refused accept gave a role")
		}
		a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 200)

		// The invited person signs up through the link (email in another case).
		su := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "nina@EXAMPLE.com", "password": "correct horse", "name": "Nina", "invitation_token": token}).want(t, 201)
		shape(t, "signup by invitation", su.Body, map[string]string{"user": "object", "token": "string"})
		shape(t, "signup by invitation.user", su.Body["user"], map[string]string{"id": "string", "email": "string", "name": "string"})
		me := a.do("GET", "/api/v1/me", su.Str("token"), nil).want(t, 200)
		if accts, _ := me.Body["accounts"].([]any); len(accts) != 0 {
			t.Errorf("joining by invitation made an account: %s", me.Raw)
		}
		if wss, _ := me.Body["workspaces"].([]any); len(wss) != 1 {
			t.Errorf("joining by invitation: workspaces %s", me.Raw)
		}
		if role := meRole(t, a, su.Str("token"), ws); role != "manager" {
			t.Errorf("role after sign-up by invitation: %q", role)
		}
		m := memberOf(t, a, owner.Token, ws, su.Str("user.id"))
		if m == nil || m["role"] != "manager" || m["inherited"] != false {
			t.Errorf("member after sign-up: %v", m)
		}
		// Used: 410 everywhere, and no second account for the same email.
		problem(t, a.do("GET", "/api/v1/invitations/"+token, "", nil), 410, "invitation_used")
		problem(t, a.do("POST", "/api/v1/invitations/"+token+"/accept", su.Str("token"), nil), 410, "invitation_used")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "other-nina@example.com", "password": "correct horse", "name": "N", "invitation_token": token}), 410, "invitation_used")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "nina@example.com", "password": "correct horse", "name": "N"}), 409, "email_taken")
		problem(t, a.do("POST", invs+"/"+invID+"/resend", owner.Token, nil), 409, "invalid_state")
		acc := a.do("GET", invs+"?status=accepted", owner.Token, nil).want(t, 200).Items()
		if len(acc) != 1 || acc[0]["status"] != "accepted" {
			t.Errorf("accepted list: %v", acc)
		}
		if def := a.do("GET", invs, owner.Token, nil).want(t, 200).Items(); len(def) != 0 {
			t.Errorf("default list shows an accepted invitation: %v", def)
		}
		problem(t, a.invite(owner.Token, ws, "nina@example.com", sb.RoleAdmin), 409, "already_member")

		// A signed-in user accepts: {workspace_id, role}.
		bob := a.signUp("Bob")
		rb := a.invite(owner.Token, ws, bob.Email, sb.RoleViewer).want(t, 201)
		// An existing user cannot sign up again through the link.
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": bob.Email, "password": "correct horse", "name": "B", "invitation_token": tokenOf(rb.Str("accept_url"))}), 409, "email_taken")
		ac := a.do("POST", "/api/v1/invitations/"+tokenOf(rb.Str("accept_url"))+"/accept", bob.Token, nil).want(t, 200)
		shape(t, "acceptance", ac.Body, map[string]string{"workspace_id": "string", "role": "string"})
		if ac.Str("workspace_id") != ws || ac.Str("role") != "viewer" {
			t.Errorf("acceptance: %s", ac.Raw)
		}
		if meRole(t, a, bob.Token, ws) != "viewer" {
			t.Error("accepting gave no role")
		}
	})
}

func TestContract2InvitationExpiryResendRevoke(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("EOwner")
		a.setPlan(owner.AccountID, "pro")
		ws := owner.WorkspaceID
		invs := "/api/v1/workspaces/" + ws + "/invitations"
		a.setSMTP(owner.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())
		bob := a.signUp("Bob")
		r := a.invite(owner.Token, ws, bob.Email, sb.RoleMember).want(t, 201)
		id, old := r.Str("id"), tokenOf(r.Str("accept_url"))

		a.clock.Advance(sb.InvitationTTL - time.Minute)
		a.do("GET", "/api/v1/invitations/"+old, "", nil).want(t, 200)
		a.clock.Advance(2 * time.Minute)
		problem(t, a.do("GET", "/api/v1/invitations/"+old, "", nil), 410, "invitation_expired")
		problem(t, a.do("POST", "/api/v1/invitations/"+old+"/accept", bob.Token, nil), 410, "invitation_expired")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "late@example.com", "password": "correct horse", "name": "L", "invitation_token": old}), 410, "invitation_expired")
		if meRole(t, a, bob.Token, ws) != "" {
			t.Fatal("an expired link gave a role")
		}
		exp := a.do("GET", invs+"?status=expired", owner.Token, nil).want(t, 200).Items()
		if len(exp) != 1 || exp[0]["status"] != "expired" {
			t.Fatalf("expired list: %v", exp)
		}
		if def := a.do("GET", invs, owner.Token, nil).want(t, 200).Items(); len(def) != 1 || def[0]["status"] != "expired" {
			t.Fatalf("default list (pending and expired): %v", def)
		}
		if p := a.do("GET", invs+"?status=pending", owner.Token, nil).want(t, 200).Items(); len(p) != 0 {
			t.Fatalf("pending list shows an expired invitation: %v", p)
		}

		// Resend after expiry: a new link, 7 days from now; the old one stays dead.
		rs := a.do("POST", invs+"/"+id+"/resend", owner.Token, nil).want(t, 200)
		shape(t, "resent invitation", rs.Body, invitationShape)
		fresh := tokenOf(rs.Str("accept_url"))
		if rs.Str("id") != id || rs.Str("status") != "pending" || fresh == "" || fresh == old || !strings.HasPrefix(rs.Str("accept_url"), testBaseURL+"/invite/") {
			t.Fatalf("resend: %s", rs.Raw)
		}
		if e, _ := time.Parse(time.RFC3339Nano, rs.Str("expires_at")); e.Sub(a.clock.Now()) > sb.InvitationTTL+time.Second || e.Sub(a.clock.Now()) < sb.InvitationTTL-time.Second {
			t.Errorf("resent expires_at %v, want now (%v) + 7 days", e, a.clock.Now())
		}
		if got := a.do("GET", "/api/v1/invitations/"+old, "", nil); got.Status != 410 {
			t.Errorf("old link after resend: %d", got.Status)
		}
		a.do("GET", "/api/v1/invitations/"+fresh, "", nil).want(t, 200)
		// A second resend kills the first resent link too.
		rs2 := a.do("POST", invs+"/"+id+"/resend", owner.Token, nil).want(t, 200)
		problem(t, a.do("POST", "/api/v1/invitations/"+fresh+"/accept", bob.Token, nil), 410, "invitation_expired")
		fresh = tokenOf(rs2.Str("accept_url"))

		// Revoke: 204, the link answers 410 invitation_revoked everywhere.
		a.do("DELETE", invs+"/"+id, owner.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/invitations/"+fresh, "", nil), 410, "invitation_revoked")
		problem(t, a.do("POST", "/api/v1/invitations/"+fresh+"/accept", bob.Token, nil), 410, "invitation_revoked")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "x-" + bob.Email, "password": "correct horse", "name": "B", "invitation_token": fresh}), 410, "invitation_revoked")
		problem(t, a.do("POST", invs+"/"+id+"/resend", owner.Token, nil), 409, "invalid_state")
		rev := a.do("GET", invs+"?status=revoked", owner.Token, nil).want(t, 200).Items()
		if len(rev) != 1 || rev[0]["status"] != "revoked" {
			t.Fatalf("revoked list: %v", rev)
		}
		problem(t, a.do("DELETE", invs+"/inv_missing", owner.Token, nil), 404, "not_found")
		problem(t, a.do("POST", invs+"/inv_missing/resend", owner.Token, nil), 404, "not_found")

		// Another workspace's invitation id: 404, and nothing changes.
		other := a.signUp("Other")
		a.setPlan(other.AccountID, "pro")
		a.setSMTP(other.Token, other.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		ro := a.invite(other.Token, other.WorkspaceID, "carol@example.com", sb.RoleMember).want(t, 201)
		problem(t, a.do("POST", invs+"/"+ro.Str("id")+"/resend", owner.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", invs+"/"+ro.Str("id"), owner.Token, nil), 404, "not_found")
		a.do("GET", "/api/v1/invitations/"+tokenOf(ro.Str("accept_url")), "", nil).want(t, 200)
		// The other owner reaches neither this workspace's invitations nor its ids.
		problem(t, a.do("GET", invs, other.Token, nil), 404, "not_found")
		problem(t, a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/invitations/"+id+"/resend", other.Token, nil), 404, "not_found")

		// Paging the list: three more invitations.
		for i := range 3 {
			a.invite(owner.Token, ws, fmt.Sprintf("p%d@example.com", i), sb.RoleViewer).want(t, 201)
		}
		checkPaging(t, a, owner.Token, invs, 3)
		checkPaging(t, a, owner.Token, invs+"?status=pending", 3)
	})
}

// TestContract2InvitationsInherited: an agency member acts in a client with the
// role they inherit; the client uses its agency's SMTP settings.
func TestContract2InvitationsInherited(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("AOwner")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client", "parent_id": agency})
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, agency, catcher.Addr())
		users := map[sb.Role]user{}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp("Ag" + string(r))
			a.join(agency, u, r)
			users[r] = u
		}
		cinvs := "/api/v1/workspaces/" + client + "/invitations"
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager} {
			problem(t, a.invite(users[r].Token, client, "x-"+string(r)+"@example.com", sb.RoleViewer), 403, "forbidden")
			problem(t, a.do("GET", cinvs, users[r].Token, nil), 403, "forbidden")
		}
		inv := a.invite(users[sb.RoleAdmin].Token, client, "dana@example.com", sb.RoleMember).want(t, 201)
		if inv.Str("invited_by") != users[sb.RoleAdmin].ID {
			t.Errorf("invited_by %q, want the agency admin", inv.Str("invited_by"))
		}
		a.do("GET", cinvs, users[sb.RoleAdmin].Token, nil).want(t, 200)
		a.do("POST", cinvs+"/"+inv.Str("id")+"/resend", users[sb.RoleAdmin].Token, nil).want(t, 200)
		a.do("DELETE", cinvs+"/"+inv.Str("id"), users[sb.RoleAdmin].Token, nil).want(t, 204)
		// The agency's manager may get a higher direct role in the client.
		mgr := a.invite(owner.Token, client, users[sb.RoleManager].Email, sb.RoleAdmin).want(t, 201)
		a.do("POST", "/api/v1/invitations/"+tokenOf(mgr.Str("accept_url"))+"/accept", users[sb.RoleManager].Token, nil).want(t, 200)
		if role := meRole(t, a, users[sb.RoleManager].Token, client); role != "admin" {
			t.Errorf("role after accepting a higher direct role: %q", role)
		}
		if role := meRole(t, a, users[sb.RoleManager].Token, agency); role != "manager" {
			t.Errorf("agency role after accepting in the client: %q", role)
		}
		// A client-only member never sees the agency's invitations.
		cm := a.signUp("ClientOnly")
		a.join(client, cm, sb.RoleAdmin)
		problem(t, a.do("GET", "/api/v1/workspaces/"+agency+"/invitations", cm.Token, nil), 404, "not_found")
		problem(t, a.invite(cm.Token, agency, "y@example.com", sb.RoleViewer), 404, "not_found")
	})
}

func TestContract2SMTPSettings(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("SOwner")
		a.setPlan(owner.AccountID, "enterprise")
		ws := owner.WorkspaceID
		path := "/api/v1/workspaces/" + ws + "/integrations/smtp"
		problem(t, a.do("GET", path, owner.Token, nil), 404, "not_found")
		problem(t, a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com"}), 409, "smtp_not_configured")

		catcher := startSMTP(t, mail.CatcherOptions{Username: "mailer", Password: "pw-12345"})
		put := a.setSMTP(owner.Token, ws, catcher.Addr(), map[string]any{"username": "mailer", "password": "pw-12345"})
		shape(t, "smtp put", put.Body, smtpShape)
		if _, ok := put.Body["password"]; ok || strings.Contains(string(put.Raw), "pw-12345") {
			t.Errorf("the answer shows the password: %s", put.Raw)
		}
		if put.Get("password_set") != true || put.Get("inherited") != false || put.Str("security") != "none" || put.Str("from_email") != "team@example.com" || put.Str("from_name") != "The Team" {
			t.Errorf("smtp put: %s", put.Raw)
		}
		get := a.do("GET", path, owner.Token, nil).want(t, 200)
		shape(t, "smtp get", get.Body, smtpShape)
		if strings.Contains(string(get.Raw), "pw-12345") || get.Get("password_set") != true {
			t.Errorf("smtp get: %s", get.Raw)
		}

		// Bad settings: 422 naming the field, and the stored settings stay.
		for name, c := range map[string]struct {
			body map[string]any
			loc  string
		}{
			"security ssl": {map[string]any{"host": "smtp.example.com", "port": 587, "from_email": "a@example.com", "security": "ssl"}, "body.security"},
			"no security":  {map[string]any{"host": "smtp.example.com", "port": 587, "from_email": "a@example.com"}, "body.security"},
			"port string":  {map[string]any{"host": "smtp.example.com", "port": "587", "from_email": "a@example.com", "security": "tls"}, "body.port"},
			"no from":      {map[string]any{"host": "smtp.example.com", "port": 587, "security": "tls"}, "body.from_email"},
			"host url":     {map[string]any{"host": "smtp://smtp.example.com", "port": 587, "from_email": "a@example.com", "security": "tls"}, "body.host"},
		} {
			fieldErrors(t, name, a.do("PUT", path, owner.Token, c.body), c.loc)
		}
		after := a.do("GET", path, owner.Token, nil).want(t, 200)
		if after.Str("host") != get.Str("host") || after.Get("port") != get.Get("port") || after.Str("security") != "none" || after.Get("password_set") != true {
			t.Errorf("a refused PUT changed the settings: %s", after.Raw)
		}
		// The stored password is used for the test message; a PUT without it keeps it.
		a.setSMTP(owner.Token, ws, catcher.Addr(), map[string]any{"username": "mailer"})
		a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com"}).want(t, 200)
		if len(catcher.Messages()) != 1 {
			t.Fatalf("test message: %d received", len(catcher.Messages()))
		}
		fieldErrors(t, "test to", a.do("POST", path+"/test", owner.Token, map[string]any{"to": "nope"}), "body.to")
		fieldErrors(t, "test unknown field", a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com", "cc": "x@example.com"}), "body")
		// The server refuses: 502 smtp_error with its answer.
		a.setSMTP(owner.Token, ws, catcher.Addr(), map[string]any{"username": "mailer", "password": "wrong"})
		bad := a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com"})
		problem(t, bad, 502, "smtp_error")
		if !strings.Contains(bad.Str("detail"), "535") {
			t.Errorf("smtp_error without the server's answer: %s", bad.Raw)
		}

		// Client sub-workspace: inherited from the agency, own settings win.
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "SAgency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "SClient", "parent_id": agency})
		cpath := "/api/v1/workspaces/" + client + "/integrations/smtp"
		problem(t, a.do("GET", cpath, owner.Token, nil), 404, "not_found")
		agencyMail := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, agency, agencyMail.Addr())
		ci := a.do("GET", cpath, owner.Token, nil).want(t, 200)
		shape(t, "inherited smtp", ci.Body, smtpShape)
		if ci.Get("inherited") != true {
			t.Errorf("client SMTP from the agency: %s", ci.Raw)
		}
		// Deleting in the client never deletes the agency's settings.
		problem(t, a.do("DELETE", cpath, owner.Token, nil), 404, "not_found")
		a.do("GET", "/api/v1/workspaces/"+agency+"/integrations/smtp", owner.Token, nil).want(t, 200)
		a.do("POST", cpath+"/test", owner.Token, map[string]any{"to": "c@example.com"}).want(t, 200)
		if len(agencyMail.Messages()) != 1 {
			t.Errorf("a client's test message goes through its agency's server")
		}
		own := a.setSMTP(owner.Token, client, catcher.Addr())
		if own.Get("inherited") != false || own.Get("password_set") != false {
			t.Errorf("client's own SMTP: %s", own.Raw)
		}
		a.do("DELETE", cpath, owner.Token, nil).want(t, 204)
		if a.do("GET", cpath, owner.Token, nil).want(t, 200).Get("inherited") != true {
			t.Error("after deleting its own settings the client inherits again")
		}
		// Agency members act in the client with their inherited role: admin+.
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp("SAg" + string(r))
			a.join(agency, u, r)
			got := a.do("GET", cpath, u.Token, nil)
			if r == sb.RoleAdmin {
				got.want(t, 200)
				a.do("PUT", cpath, u.Token, map[string]any{"host": "127.0.0.1", "port": 2525, "from_email": "c@example.com", "security": "none"}).want(t, 200)
			} else {
				problem(t, got, 403, "forbidden")
				problem(t, a.do("PUT", cpath, u.Token, map[string]any{"host": "127.0.0.1", "port": 2525, "from_email": "c@example.com", "security": "none"}), 403, "forbidden")
			}
		}
		outsider := a.signUp("SOut")
		problem(t, a.do("GET", cpath, outsider.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", cpath, outsider.Token, nil), 404, "not_found")
		problem(t, a.do("GET", cpath, "", nil), 401, "unauthorized")
	})
}

func TestContract2WhiteLabel(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("WOwner")
		a.setPlan(owner.AccountID, "enterprise")
		ws := owner.WorkspaceID
		path := "/api/v1/workspaces/" + ws + "/white-label"
		shape(t, "white-label (none set)", a.do("GET", path, owner.Token, nil).want(t, 200).Body, whiteLabelShape)
		full := map[string]any{"brand_name": "Acme Voice", "logo_url": "https://cdn.acme.example/logo.png", "primary_color": "#1a2b3c",
			"custom_domain": "voice.acme.example", "support_email": "help@acme.example"}
		put := a.do("PUT", path, owner.Token, full).want(t, 200)
		shape(t, "white-label put", put.Body, whiteLabelShape)
		for k, v := range full {
			if put.Body[k] != v {
				t.Errorf("white-label %s = %v, want %v", k, put.Body[k], v)
			}
		}
		get := a.do("GET", path, owner.Token, nil).want(t, 200)
		for k, v := range full {
			if get.Body[k] != v {
				t.Errorf("GET white-label %s = %v, want %v", k, get.Body[k], v)
			}
		}
		for name, c := range map[string]struct {
			field string
			value any
		}{
			"colour name":    {"primary_color", "red"},
			"short colour":   {"primary_color", "#123"},
			"colour no hash": {"primary_color", "1a2b3c"},
			"http logo":      {"logo_url", "javascript:alert(1)"},
			"domain url":     {"custom_domain", "https://voice.acme.example/x"},
			"bad email":      {"support_email", "help"},
			"number brand":   {"brand_name", 7},
		} {
			body := map[string]any{}
			for k, v := range full {
				body[k] = v
			}
			body[c.field] = c.value
			fieldErrors(t, name, a.do("PUT", path, owner.Token, body), "body."+c.field)
		}
		problem(t, a.do("PUT", path, owner.Token, map[string]any{"brand_name": "X", "favicon": "y"}), 422, "validation_failed")
		again := a.do("GET", path, owner.Token, nil).want(t, 200)
		for k, v := range full {
			if again.Body[k] != v {
				t.Errorf("a refused PUT changed %s to %v", k, again.Body[k])
			}
		}
		// Owner only: every other role 403, non-members 404.
		tm := roleTeam{ws: ws, tokens: map[sb.Role]string{sb.RoleOwner: owner.Token}}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp("W" + string(r))
			a.join(ws, u, r)
			tm.tokens[r] = u.Token
		}
		tm.tokens[sb.RoleNone] = a.signUp("WOut").Token
		checkRoleTable(t, tm, sb.RoleOwner, 200, nil, func(tok, _ string) *resp { return a.do("GET", path, tok, nil) })
		checkRoleTable(t, tm, sb.RoleOwner, 200, nil, func(tok, _ string) *resp { return a.do("PUT", path, tok, full) })
		// API keys are never owner: even an admin key cannot reach white-label.
		_, key := a.apiKeyFor(owner.Token, ws, sb.RoleAdmin)
		problem(t, a.do("GET", path, key, nil), 403, "forbidden")
		problem(t, a.do("PUT", path, key, full), 403, "forbidden")
		a.do("GET", "/api/v1/workspaces/"+ws+"/integrations/smtp", key, nil).want(t, 404) // admin+: allowed, none set

		// A client shows its agency's branding until it has its own; an agency
		// admin (admin in the client) may not change it.
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "WAgency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "WClient", "parent_id": agency})
		a.do("PUT", "/api/v1/workspaces/"+agency+"/white-label", owner.Token, full).want(t, 200)
		cw := a.do("GET", "/api/v1/workspaces/"+client+"/white-label", owner.Token, nil).want(t, 200)
		shape(t, "client white-label", cw.Body, whiteLabelShape)
		if cw.Str("brand_name") != "Acme Voice" {
			t.Errorf("client white-label should show the agency's branding: %s", cw.Raw)
		}
		agAdmin := a.signUp("WAgAdmin")
		a.join(agency, agAdmin, sb.RoleAdmin)
		problem(t, a.do("GET", "/api/v1/workspaces/"+client+"/white-label", agAdmin.Token, nil), 403, "forbidden")
		problem(t, a.do("PUT", "/api/v1/workspaces/"+client+"/white-label", agAdmin.Token, full), 403, "forbidden")
		own := a.do("PUT", "/api/v1/workspaces/"+client+"/white-label", owner.Token, map[string]any{"brand_name": "Client Brand"}).want(t, 200)
		if own.Str("brand_name") != "Client Brand" {
			t.Errorf("client's own branding: %s", own.Raw)
		}
		if a.do("GET", "/api/v1/workspaces/"+agency+"/white-label", owner.Token, nil).want(t, 200).Str("brand_name") != "Acme Voice" {
			t.Error("a client's branding changed its agency's")
		}
	})
}

// csvRecords reads a CSV answer.
func csvRecords(t *testing.T, a *api, path, token string) (*resp, [][]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r := a.send(req)
	if r.Status != 200 {
		return r, nil
	}
	recs, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v\n%s", path, err, r.Raw)
	}
	return r, recs
}

// resourceProbe is one endpoint of the workspace resources, for the role table:
// the lowest role allowed and its success status. make returns the path (and
// body) under the workspace base, making a fresh target when one is needed.
type resourceProbe struct {
	name string
	min  sb.Role
	ok   int
	call func(base, token string) *resp
}

var phoneSeq = 1000

func nextPhone() string {
	phoneSeq++
	return fmt.Sprintf("+1415555%04d", phoneSeq%10000)
}

// resourceProbes lists every resource endpoint; ownerToken makes targets.
func resourceProbes(t *testing.T, a *api, ws, ownerToken string) []resourceProbe {
	base := "/api/v1/workspaces/" + ws
	a.seedTaggedContacts(ws, "vip", 2)
	ast := a.do("POST", base+"/assistants", ownerToken, map[string]any{"name": "Probe"}).want(t, 201).Str("id")
	wf := a.do("POST", base+"/workflows", ownerToken, map[string]any{"name": "Flow", "definition": map[string]any{"start": "hello"}}).want(t, 201).Str("id")
	con := a.do("POST", base+"/contacts", ownerToken, map[string]any{"phone": nextPhone()}).want(t, 201).Str("id")
	imp := a.upload(ws, ownerToken, "phone\n"+nextPhone()+"\nnope\n", nil).want(t, 202).Str("id")
	a.runImports()
	cmp := a.do("POST", base+"/campaigns", ownerToken, campaignBody(ast)).want(t, 201).Str("id")
	call := a.do("POST", base+"/calls", ownerToken, callBody("probe-"+ws, "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")).want(t, 201).Str("id")
	seq := 0
	fresh := func(kind string) string {
		seq++
		switch kind {
		case "assistant":
			return a.do("POST", base+"/assistants", ownerToken, map[string]any{"name": fmt.Sprintf("A%d", seq)}).want(t, 201).Str("id")
		case "workflow":
			return a.do("POST", base+"/workflows", ownerToken, map[string]any{"name": fmt.Sprintf("W%d", seq)}).want(t, 201).Str("id")
		case "contact":
			return a.do("POST", base+"/contacts", ownerToken, map[string]any{"phone": nextPhone()}).want(t, 201).Str("id")
		}
		id := a.do("POST", base+"/campaigns", ownerToken, campaignBody(ast)).want(t, 201).Str("id")
		steps := map[string][]string{"draft": nil, "running": {"start"}, "paused": {"start", "pause"}}[kind]
		for _, s := range steps {
			a.do("POST", base+"/campaigns/"+id+"/"+s, ownerToken, nil).want(t, 200)
		}
		return id
	}
	get := func(p string) func(string, string) *resp {
		return func(b, tk string) *resp { return a.do("GET", b+p, tk, nil) }
	}
	return []resourceProbe{
		{"list assistants", sb.RoleMember, 200, get("/assistants")},
		{"get assistant", sb.RoleMember, 200, get("/assistants/" + ast)},
		{"create assistant", sb.RoleAdmin, 201, func(b, tk string) *resp {
			return a.do("POST", b+"/assistants", tk, map[string]any{"name": "New"})
		}},
		{"edit assistant", sb.RoleAdmin, 200, func(b, tk string) *resp {
			return a.do("PATCH", b+"/assistants/"+ast, tk, map[string]any{"voice": "alloy"})
		}},
		{"delete assistant", sb.RoleAdmin, 204, func(b, tk string) *resp { return a.do("DELETE", b+"/assistants/"+fresh("assistant"), tk, nil) }},

		{"list workflows", sb.RoleMember, 200, get("/workflows")},
		{"get workflow", sb.RoleMember, 200, get("/workflows/" + wf)},
		{"versions", sb.RoleMember, 200, get("/workflows/" + wf + "/versions")},
		{"create workflow", sb.RoleAdmin, 201, func(b, tk string) *resp {
			return a.do("POST", b+"/workflows", tk, map[string]any{"name": "New", "definition": map[string]any{}})
		}},
		{"edit workflow", sb.RoleAdmin, 200, func(b, tk string) *resp {
			return a.do("PATCH", b+"/workflows/"+wf, tk, map[string]any{"definition": map[string]any{"start": "hi"}})
		}},
		{"deploy workflow", sb.RoleAdmin, 201, func(b, tk string) *resp { return a.do("POST", b+"/workflows/"+wf+"/deploy", tk, nil) }},
		{"delete workflow", sb.RoleAdmin, 204, func(b, tk string) *resp { return a.do("DELETE", b+"/workflows/"+fresh("workflow"), tk, nil) }},

		{"list contacts", sb.RoleMember, 200, get("/contacts")},
		{"get contact", sb.RoleMember, 200, get("/contacts/" + con)},
		{"import progress", sb.RoleMember, 200, get("/contacts/imports/" + imp)},
		{"rejected rows", sb.RoleMember, 200, func(b, tk string) *resp {
			req, _ := http.NewRequest("GET", a.srv.URL+b+"/contacts/imports/"+imp+"/rejected", nil)
			req.Header.Set("Authorization", "Bearer "+tk)
			return a.send(req)
		}},
		{"create contact", sb.RoleManager, 201, func(b, tk string) *resp {
			return a.do("POST", b+"/contacts", tk, map[string]any{"phone": nextPhone()})
		}},
		{"edit contact", sb.RoleManager, 200, func(b, tk string) *resp {
			return a.do("PATCH", b+"/contacts/"+con, tk, map[string]any{"company": "Acme"})
		}},
		{"tag contacts", sb.RoleManager, 200, func(b, tk string) *resp {
			return a.do("POST", b+"/contacts/tags", tk, map[string]any{"contact_ids": []string{con}, "add": []string{"x"}})
		}},
		{"import", sb.RoleManager, 202, func(b, tk string) *resp {
			return a.upload(strings.TrimPrefix(b, "/api/v1/workspaces/"), tk, "phone\n"+nextPhone()+"\n", nil)
		}},
		{"delete contact", sb.RoleManager, 204, func(b, tk string) *resp { return a.do("DELETE", b+"/contacts/"+fresh("contact"), tk, nil) }},

		{"list campaigns", sb.RoleMember, 200, get("/campaigns")},
		{"get campaign", sb.RoleMember, 200, get("/campaigns/" + cmp)},
		{"start campaign", sb.RoleMember, 200, func(b, tk string) *resp { return a.do("POST", b+"/campaigns/"+fresh("draft")+"/start", tk, nil) }},
		{"pause campaign", sb.RoleMember, 200, func(b, tk string) *resp { return a.do("POST", b+"/campaigns/"+fresh("running")+"/pause", tk, nil) }},
		{"resume campaign", sb.RoleMember, 200, func(b, tk string) *resp { return a.do("POST", b+"/campaigns/"+fresh("paused")+"/resume", tk, nil) }},
		{"stop campaign", sb.RoleMember, 200, func(b, tk string) *resp { return a.do("POST", b+"/campaigns/"+fresh("running")+"/stop", tk, nil) }},
		{"create campaign", sb.RoleManager, 201, func(b, tk string) *resp { return a.do("POST", b+"/campaigns", tk, campaignBody(ast)) }},
		{"edit campaign", sb.RoleManager, 200, func(b, tk string) *resp {
			return a.do("PATCH", b+"/campaigns/"+cmp, tk, map[string]any{"max_concurrent_calls": 3})
		}},
		{"delete campaign", sb.RoleManager, 204, func(b, tk string) *resp { return a.do("DELETE", b+"/campaigns/"+fresh("draft"), tk, nil) }},

		{"list calls", sb.RoleViewer, 200, get("/calls")},
		{"get call", sb.RoleViewer, 200, get("/calls/" + call)},
		{"analytics", sb.RoleViewer, 200, get("/analytics")},
		{"conversation", sb.RoleMember, 200, get("/calls/" + call + "/conversation")},
		{"report call", sb.RoleAdmin, 201, func(b, tk string) *resp {
			seq++
			return a.do("POST", b+"/calls", tk, callBody(fmt.Sprintf("rep-%d", seq), "2026-03-01T09:00:00Z", "2026-03-01T09:00:10Z"))
		}},
		{"authorize call", sb.RoleAdmin, 200, func(b, tk string) *resp {
			return a.do("POST", b+"/calls/authorize", tk, map[string]any{"estimated_seconds": 60})
		}},
	}
}

// runProbes checks every probe for every role in tokens (RoleNone = no role).
func runProbes(t *testing.T, what, base string, probes []resourceProbe, tokens map[sb.Role]string) {
	t.Helper()
	for _, p := range probes {
		for _, role := range roleOrder {
			tok, ok := tokens[role]
			if !ok {
				continue
			}
			r := p.call(base, tok)
			switch {
			case role == sb.RoleNone:
				if r.Status != 404 || r.Str("code") != "not_found" {
					t.Errorf("%s: %s as non-member: %d, want 404 not_found: %s", what, p.name, r.Status, r.Raw)
				}
			case role.AtLeast(p.min):
				if r.Status != p.ok {
					t.Errorf("%s: %s as %s: %d, want %d: %s", what, p.name, role, r.Status, p.ok, r.Raw)
				}
			default:
				if r.Status != 403 || r.Str("code") != "forbidden" {
					t.Errorf("%s: %s as %s: %d, want 403 forbidden: %s", what, p.name, role, r.Status, r.Raw)
				}
			}
			if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %s as %s: error without problem+json", what, p.name, role)
			}
		}
		if r := p.call(base, ""); r.Status != 401 {
			t.Errorf("%s: %s without a token: %d, want 401", what, p.name, r.Status)
		}
		if r := p.call(base, "sbs_not_a_session"); r.Status != 401 || r.Str("code") != "unauthorized" {
			t.Errorf("%s: %s with a bad token: %d %s, want 401 unauthorized", what, p.name, r.Status, r.Raw)
		}
	}
}

// TestContract2ResourceRoleTable: permissions.md for every resource endpoint, by
// direct roles in a simple workspace and by roles inherited from an agency in a
// client sub-workspace.
func TestContract2ResourceRoleTable(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		tm := a.roleTeam()
		a.grant(tm.owner.AccountID, 1000)
		runProbes(t, "direct", tm.path(""), resourceProbes(t, a, tm.ws, tm.owner.Token), tm.tokens)

		owner := a.signUp("RAOwner")
		a.setPlan(owner.AccountID, "enterprise")
		a.grant(owner.AccountID, 1000)
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "RAgency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "RClient", "parent_id": agency})
		tokens := map[sb.Role]string{sb.RoleOwner: owner.Token}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp("RAg" + string(r))
			a.join(agency, u, r)
			tokens[r] = u.Token
		}
		// A member of another client of the same agency is a non-member here.
		other := a.createWorkspace(owner.Token, map[string]any{"name": "ROther", "parent_id": agency})
		sib := a.signUp("RSibling")
		a.join(other, sib, sb.RoleAdmin)
		tokens[sb.RoleNone] = sib.Token
		runProbes(t, "inherited", "/api/v1/workspaces/"+client, resourceProbes(t, a, client, owner.Token), tokens)
	})
}

// twoOwners are two people each with their own workspace (for cross-workspace ids).
func twoOwners(a *api) (user, user) {
	u, v := a.signUp("Mine"), a.signUp("Theirs")
	a.grant(u.AccountID, 100)
	a.grant(v.AccountID, 100)
	return u, v
}

// crossWorkspace checks that an id of v's workspace, used under u's workspace,
// answers 404 for every method, and that v's resource did not change.
func crossWorkspace(t *testing.T, a *api, u, v user, kind, id string, patch any) {
	t.Helper()
	mine := "/api/v1/workspaces/" + u.WorkspaceID + "/" + kind + "/" + id
	theirs := "/api/v1/workspaces/" + v.WorkspaceID + "/" + kind + "/" + id
	before := a.do("GET", theirs, v.Token, nil).want(t, 200)
	problem(t, a.do("GET", mine, u.Token, nil), 404, "not_found")
	if patch != nil {
		problem(t, a.do("PATCH", mine, u.Token, patch), 404, "not_found")
	}
	problem(t, a.do("DELETE", mine, u.Token, nil), 404, "not_found")
	// And through the right workspace but the wrong caller.
	problem(t, a.do("GET", theirs, u.Token, nil), 404, "not_found")
	after := a.do("GET", theirs, v.Token, nil).want(t, 200)
	if !bytes.Equal(before.Raw, after.Raw) {
		t.Errorf("%s %s changed through another workspace:\n%s\n%s", kind, id, before.Raw, after.Raw)
	}
}

func TestContract2Assistants(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/assistants"
		full := map[string]any{"name": "Ada", "first_message": "Hello!", "system_prompt": "Be kind.", "voice": "alloy", "language": "en-US", "model": "gpt-4o"}
		c := a.do("POST", base, u.Token, full).want(t, 201)
		shape(t, "assistant", c.Body, assistantShape)
		for k, want := range full {
			if c.Body[k] != want {
				t.Errorf("assistant %s = %v, want %v", k, c.Body[k], want)
			}
		}
		id := c.Str("id")
		g := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200)
		shape(t, "got assistant", g.Body, assistantShape)
		p := a.do("PATCH", base+"/"+id, u.Token, map[string]any{"voice": "verse"}).want(t, 200)
		if p.Str("voice") != "verse" || p.Str("name") != "Ada" || p.Str("system_prompt") != "Be kind." {
			t.Errorf("PATCH changes only what it names: %s", p.Raw)
		}
		for name, c := range map[string]struct {
			body any
			loc  string
		}{
			"no name":       {map[string]any{"voice": "x"}, "body.name"},
			"blank name":    {map[string]any{"name": "   "}, "body.name"},
			"long name":     {map[string]any{"name": strings.Repeat("n", 101)}, "body.name"},
			"long prompt":   {map[string]any{"name": "A", "system_prompt": strings.Repeat("p", sb.MaxSystemPrompt+1)}, "body.system_prompt"},
			"long first":    {map[string]any{"name": "A", "first_message": strings.Repeat("p", sb.MaxFirstMessage+1)}, "body.first_message"},
			"bad language":  {map[string]any{"name": "A", "language": "english please"}, "body.language"},
			"number name":   {map[string]any{"name": 5}, "body.name"},
			"unknown field": {map[string]any{"name": "A", "temperature": 0.2}, "body.temperature"},
		} {
			fieldErrors(t, "create "+name, a.do("POST", base, u.Token, c.body), c.loc)
			if name != "no name" {
				fieldErrors(t, "edit "+name, a.do("PATCH", base+"/"+id, u.Token, c.body), c.loc)
			}
		}
		if n := len(a.do("GET", base, u.Token, nil).want(t, 200).Items()); n != 1 {
			t.Errorf("refused creates made assistants: %d", n)
		}
		if now := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200); now.Str("name") != "Ada" || now.Str("voice") != "verse" {
			t.Errorf("refused edits changed the assistant: %s", now.Raw)
		}
		for i := range 3 {
			a.do("POST", base, u.Token, map[string]any{"name": fmt.Sprintf("A%d", i)}).want(t, 201)
		}
		for _, it := range checkPaging(t, a, u.Token, base, 4) {
			shape(t, "listed assistant", it, assistantShape)
		}
		theirs := a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/assistants", v.Token, map[string]any{"name": "Theirs"}).want(t, 201).Str("id")
		crossWorkspace(t, a, u, v, "assistants", theirs, map[string]any{"name": "Stolen"})
		a.do("DELETE", base+"/"+id, u.Token, nil).want(t, 204)
		problem(t, a.do("GET", base+"/"+id, u.Token, nil), 404, "not_found")
		problem(t, a.do("PATCH", base+"/"+id, u.Token, map[string]any{"name": "Back"}), 404, "not_found")
		problem(t, a.do("DELETE", base+"/"+id, u.Token, nil), 404, "not_found")
	})
}

func TestContract2Workflows(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/workflows"
		c := a.do("POST", base, u.Token, map[string]any{"name": "Intake", "definition": map[string]any{"steps": []any{"greet"}}}).want(t, 201)
		shape(t, "workflow", c.Body, workflowShape)
		id := c.Str("id")
		for name, c := range map[string]struct {
			body any
			loc  string
		}{
			"array definition":  {map[string]any{"name": "W", "definition": []any{1, 2}}, "body.definition"},
			"string definition": {map[string]any{"name": "W", "definition": "steps"}, "body.definition"},
			"number definition": {map[string]any{"name": "W", "definition": 3}, "body.definition"},
			"long name":         {map[string]any{"name": strings.Repeat("w", 101), "definition": map[string]any{}}, "body.name"},
			"unknown field":     {map[string]any{"name": "W", "version": 3}, "body.version"},
		} {
			fieldErrors(t, "create "+name, a.do("POST", base, u.Token, c.body), c.loc)
			fieldErrors(t, "edit "+name, a.do("PATCH", base+"/"+id, u.Token, c.body), c.loc)
		}
		if n := len(a.do("GET", base, u.Token, nil).want(t, 200).Items()); n != 1 {
			t.Errorf("refused creates made workflows: %d", n)
		}
		d1 := a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 201)
		shape(t, "deploy", d1.Body, versionShape)
		if d1.Get("version") != float64(1) {
			t.Errorf("first deploy: %s", d1.Raw)
		}
		// Editing the draft never changes a deployed version.
		e := a.do("PATCH", base+"/"+id, u.Token, map[string]any{"definition": map[string]any{"steps": []any{"greet", "ask"}}}).want(t, 200)
		shape(t, "edited workflow", e.Body, workflowShape)
		if steps, _ := e.Get("definition.steps").([]any); len(steps) != 2 || e.Str("name") != "Intake" {
			t.Errorf("edited draft: %s", e.Raw)
		}
		d2 := a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 201)
		if d2.Get("version") != float64(2) {
			t.Errorf("second deploy: %s", d2.Raw)
		}
		a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 201)
		vs := a.do("GET", base+"/"+id+"/versions", u.Token, nil).want(t, 200)
		shape(t, "versions", vs.Body, listShape)
		byVersion := map[float64]map[string]any{}
		for _, it := range vs.Items() {
			shape(t, "version", it, map[string]string{"version": "number", "deployed_at": "time", "definition": "object"})
			byVersion[it["version"].(float64)] = it
		}
		if len(byVersion) != 3 {
			t.Fatalf("versions: %s", vs.Raw)
		}
		if steps, _ := byVersion[1]["definition"].(map[string]any)["steps"].([]any); len(steps) != 1 {
			t.Errorf("version 1 changed with the draft: %v", byVersion[1])
		}
		checkPaging(t, a, u.Token, base+"/"+id+"/versions", 3)
		for i := range 2 {
			a.do("POST", base, u.Token, map[string]any{"name": fmt.Sprintf("W%d", i)}).want(t, 201)
		}
		checkPaging(t, a, u.Token, base, 3)

		theirs := a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/workflows", v.Token, map[string]any{"name": "Theirs", "definition": map[string]any{}}).want(t, 201).Str("id")
		crossWorkspace(t, a, u, v, "workflows", theirs, map[string]any{"name": "Stolen"})
		problem(t, a.do("POST", base+"/"+theirs+"/deploy", u.Token, nil), 404, "not_found")
		problem(t, a.do("GET", base+"/"+theirs+"/versions", u.Token, nil), 404, "not_found")
		if n := len(a.do("GET", "/api/v1/workspaces/"+v.WorkspaceID+"/workflows/"+theirs+"/versions", v.Token, nil).want(t, 200).Items()); n != 0 {
			t.Errorf("a deploy through another workspace made a version")
		}
		problem(t, a.do("POST", base+"/wf_missing/deploy", u.Token, nil), 404, "not_found")
	})
}

func TestContract2Contacts(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/contacts"
		c := a.do("POST", base, u.Token, map[string]any{"first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0958",
			"email": "ada@example.com", "company": "Engines Ltd", "tags": []string{"vip", "london"}}).want(t, 201)
		shape(t, "contact", c.Body, contactShape)
		if c.Str("phone") != "+442079460958" {
			t.Errorf("phone not E.164: %s", c.Raw)
		}
		ada := c.Str("id")
		bob := a.do("POST", base, u.Token, map[string]any{"first_name": "Bob", "phone": "+14155550123", "tags": []string{"vip"}}).want(t, 201).Str("id")
		cat := a.do("POST", base, u.Token, map[string]any{"first_name": "Cat", "phone": "+14155550124", "company": "Lovelace & Co"}).want(t, 201).Str("id")
		shape(t, "got contact", a.do("GET", base+"/"+ada, u.Token, nil).want(t, 200).Body, contactShape)

		// Bad input: 422 naming the field; nothing made or changed.
		for name, c := range map[string]struct {
			body any
			loc  string
		}{
			"no phone":       {map[string]any{"first_name": "X"}, "body.phone"},
			"local phone":    {map[string]any{"phone": "555 0100"}, "body.phone"},
			"letters phone":  {map[string]any{"phone": "call me"}, "body.phone"},
			"bad email":      {map[string]any{"phone": "+14155550199", "email": "x@"}, "body.email"},
			"long tag":       {map[string]any{"phone": "+14155550199", "tags": []string{strings.Repeat("t", 51)}}, "body.tags"},
			"tags string":    {map[string]any{"phone": "+14155550199", "tags": "vip"}, "body.tags"},
			"unknown field":  {map[string]any{"phone": "+14155550199", "notes": "x"}, "body.notes"},
			"long last name": {map[string]any{"phone": "+14155550199", "last_name": strings.Repeat("l", 101)}, "body.last_name"},
		} {
			fieldErrors(t, "create "+name, a.do("POST", base, u.Token, c.body), c.loc)
			if name != "no phone" {
				fieldErrors(t, "edit "+name, a.do("PATCH", base+"/"+ada, u.Token, c.body), c.loc)
			}
		}
		if n := len(a.contacts(u.WorkspaceID, u.Token, "")); n != 3 {
			t.Errorf("refused creates made contacts: %d", n)
		}
		if g := a.do("GET", base+"/"+ada, u.Token, nil).want(t, 200); g.Str("phone") != "+442079460958" || g.Str("email") != "ada@example.com" || tagsOf(g.Body) != "london,vip" {
			t.Errorf("refused edits changed the contact: %s", g.Raw)
		}
		// Another contact's phone: a conflict, not a second contact.
		if r := a.do("POST", base, u.Token, map[string]any{"phone": "+1 415 555 0123"}); r.Status != 409 {
			t.Errorf("duplicate phone: %d %s", r.Status, r.Raw)
		} else {
			problem(t, r, 409, r.Str("code"))
		}

		// PATCH changes only what it names; tags replace.
		p := a.do("PATCH", base+"/"+ada, u.Token, map[string]any{"company": "Analytical Engines", "tags": []string{"gold"}}).want(t, 200)
		shape(t, "edited contact", p.Body, contactShape)
		if p.Str("company") != "Analytical Engines" || p.Str("first_name") != "Ada" || tagsOf(p.Body) != "gold" {
			t.Errorf("edited: %s", p.Raw)
		}

		// Filters.
		ids := func(items []map[string]any) string {
			var out []string
			for _, it := range items {
				switch it["id"] {
				case ada:
					out = append(out, "ada")
				case bob:
					out = append(out, "bob")
				case cat:
					out = append(out, "cat")
				default:
					out = append(out, "?")
				}
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"?tag=vip": "bob", "?tag=gold": "ada", "?tag=none": "",
			"?q=lovelace": "ada,cat", "?q=LOVELACE": "ada,cat", "?q=bob": "bob", "?q=engines": "ada", "?q=ada%40example.com": "ada",
			"?q=lovelace&tag=gold": "ada", "?q=%25": "", "?q=_": "",
		} {
			r := a.do("GET", base+q, u.Token, nil).want(t, 200)
			shape(t, "contacts"+q, r.Body, listShape)
			if got := ids(r.Items()); got != want {
				t.Errorf("contacts%s: %s, want %s", q, got, want)
			}
		}
		for i := range 3 {
			a.do("POST", base, u.Token, map[string]any{"phone": fmt.Sprintf("+1415555%04d", 7000+i), "tags": []string{"vip"}}).want(t, 201)
		}
		checkPaging(t, a, u.Token, base, 6)
		checkPaging(t, a, u.Token, base+"?tag=vip", 4)

		// Bulk tags.
		theirs := a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/contacts", v.Token, map[string]any{"phone": "+14155550123", "tags": []string{"keep"}}).want(t, 201).Str("id")
		a.do("POST", base+"/tags", u.Token, map[string]any{"contact_ids": []string{bob, cat}, "add": []string{"q3"}, "remove": []string{"vip"}}).want(t, 200)
		if g := a.do("GET", base+"/"+bob, u.Token, nil).want(t, 200); tagsOf(g.Body) != "q3" {
			t.Errorf("bob's tags after bulk tagging: %s", g.Raw)
		}
		if g := a.do("GET", base+"/"+cat, u.Token, nil).want(t, 200); tagsOf(g.Body) != "q3" {
			t.Errorf("cat's tags after bulk tagging: %s", g.Raw)
		}
		r := a.do("POST", base+"/tags", u.Token, map[string]any{"contact_ids": []string{theirs}, "add": []string{"stolen"}, "remove": []string{"keep"}})
		if r.Status != 200 && r.Status != 404 {
			t.Errorf("tagging another workspace's contact: %d %s", r.Status, r.Raw)
		}
		if g := a.do("GET", "/api/v1/workspaces/"+v.WorkspaceID+"/contacts/"+theirs, v.Token, nil).want(t, 200); tagsOf(g.Body) != "keep" {
			t.Errorf("tags of another workspace's contact changed: %s", g.Raw)
		}
		for name, body := range map[string]map[string]any{
			"no ids":      {"contact_ids": []string{}, "add": []string{"x"}},
			"no tags":     {"contact_ids": []string{bob}},
			"long tag":    {"contact_ids": []string{bob}, "add": []string{strings.Repeat("t", 51)}},
			"ids string":  {"contact_ids": bob, "add": []string{"x"}},
			"other field": {"contact_ids": []string{bob}, "add": []string{"x"}, "replace": true},
		} {
			fieldErrors(t, "tags "+name, a.do("POST", base+"/tags", u.Token, body), "body")
		}
		if g := a.do("GET", base+"/"+bob, u.Token, nil).want(t, 200); tagsOf(g.Body) != "q3" {
			t.Errorf("refused tagging changed tags: %s", g.Raw)
		}

		crossWorkspace(t, a, u, v, "contacts", theirs, map[string]any{"company": "Stolen"})
		a.do("DELETE", base+"/"+ada, u.Token, nil).want(t, 204)
		problem(t, a.do("GET", base+"/"+ada, u.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", base+"/"+ada, u.Token, nil), 404, "not_found")
	})
}

func TestContract2ContactImports(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		ws := u.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		old := a.do("POST", base, u.Token, map[string]any{"first_name": "Old", "phone": "+14155550100", "tags": []string{"kept"}}).want(t, 201).Str("id")
		// A header named exactly like the fields.
		file := "first_name,last_name,phone,email,company,tags\n" +
			"Ada,Lovelace,+1 415 555 0100,ada@example.com,Engines,vip\n" +
			"Bob,Byte,4155550101,,,\n" +
			"Cat,,not a phone,,,\n" +
			"Dan,,+14155550102,no-email,,\n"
		r := a.upload(ws, u.Token, file, map[string]string{"tags": "spring, import", "default_region": "US"})
		r.want(t, 202)
		shape(t, "import", r.Body, importShape)
		st := r.Str("status")
		if st != "queued" && st != "running" && st != "completed" && st != "failed" {
			t.Errorf("import status %q", st)
		}
		id := r.Str("id")
		a.runImports()
		g := a.do("GET", base+"/imports/"+id, u.Token, nil).want(t, 200)
		shape(t, "import progress", g.Body, importShape)
		if g.Str("id") != id || g.Str("status") != "completed" || num(g, "rows_total") != 4 || num(g, "rows_imported") != 2 || num(g, "rows_rejected") != 2 {
			t.Errorf("import progress: %s", g.Raw)
		}
		// The row with an existing phone updated that contact.
		cs := byPhone(a.contacts(ws, u.Token, ""))
		if len(cs) != 2 || cs["+14155550100"]["id"] != old || cs["+14155550100"]["first_name"] != "Ada" {
			t.Errorf("after import: %v", cs)
		}
		for _, tag := range []string{"spring", "import", "vip"} {
			if !strings.Contains(","+tagsOf(cs["+14155550100"])+",", ","+tag+",") {
				t.Errorf("imported contact lacks tag %s: %v", tag, cs["+14155550100"])
			}
		}
		if !strings.Contains(tagsOf(cs["+14155550101"]), "spring") {
			t.Errorf("the tags part applies to every row: %v", cs["+14155550101"])
		}
		res, recs := csvRecords(t, a, base+"/imports/"+id+"/rejected", u.Token)
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("rejected rows: %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		if len(recs) != 3 || recs[0][len(recs[0])-1] != "reason" {
			t.Fatalf("rejected CSV: %q", recs)
		}
		for _, rec := range recs[1:] {
			if rec[len(rec)-1] == "" {
				t.Errorf("rejected row without a reason: %q", rec)
			}
		}
		// Another workspace's import: 404 problem documents.
		vImp := a.upload(v.WorkspaceID, v.Token, "phone\n+14155550100\n", nil).want(t, 202).Str("id")
		problem(t, a.do("GET", base+"/imports/"+vImp, u.Token, nil), 404, "not_found")
		rr, _ := csvRecords(t, a, base+"/imports/"+vImp+"/rejected", u.Token)
		if rr.Status != 404 || rr.Header.Get("Content-Type") != "application/problem+json" || rr.Str("code") != "not_found" {
			t.Errorf("rejected rows of another workspace's import: %d %s %s", rr.Status, rr.Header.Get("Content-Type"), rr.Raw)
		}
		problem(t, a.do("GET", base+"/imports/imp_missing", u.Token, nil), 404, "not_found")
		// Refused uploads are problem documents.
		for name, c := range map[string]struct {
			file   string
			parts  map[string]string
			status int
		}{
			"no phone column": {"name,email\nAda,a@example.com\n", nil, 422},
			"bad region":      {"phone\n+14155550100\n", map[string]string{"default_region": "XX"}, 422},
			"bad mapping":     {"phone\n+14155550100\n", map[string]string{"mapping": "{not json"}, 422},
		} {
			r := a.upload(ws, u.Token, c.file, c.parts)
			if r.Status != c.status || r.Header.Get("Content-Type") != "application/problem+json" || r.Str("code") != "validation_failed" {
				t.Errorf("%s: %d %s %s", name, r.Status, r.Header.Get("Content-Type"), r.Raw)
			}
		}
		problem(t, a.do("POST", base+"/imports", u.Token, map[string]any{"file": "phone\n"}), 400, "bad_request")
	})
}

func TestContract2Campaigns(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		f := a.campaignFixture(u)
		c := a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(t, 201)
		shape(t, "campaign", c.Body, campaignShape)
		shape(t, "campaign.schedule", c.Body["schedule"], scheduleShape)
		if c.Str("status") != "draft" || c.Get("audience_size") != float64(3) || c.Str("assistant_id") != f.assistant || c.Str("contact_tag") != "vip" || c.Get("max_concurrent_calls") != float64(5) {
			t.Errorf("campaign: %s", c.Raw)
		}
		if c.Str("schedule.timezone") != "Europe/Paris" || c.Str("schedule.start_time") != "09:00" || c.Str("schedule.end_time") != "17:30" || c.Str("schedule.start_date") != "2026-03-02" {
			t.Errorf("schedule: %s", c.Raw)
		}
		id := c.Str("id")
		g := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200)
		shape(t, "got campaign", g.Body, campaignShape)
		// Optional dates may be left out.
		nb := campaignBody(f.assistant)
		nb["schedule"] = map[string]any{"timezone": "UTC", "days": []string{"sat"}, "start_time": "10:00", "end_time": "12:00"}
		nd := a.do("POST", f.base, u.Token, nb).want(t, 201)
		if nd.Get("schedule.start_date") != nil || nd.Get("schedule.end_date") != nil {
			t.Errorf("schedule without dates: %s", nd.Raw)
		}
		// The audience follows the tag.
		a.seedTaggedContacts(u.WorkspaceID, "vip", 2)
		if n := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200).Get("audience_size"); n != float64(5) {
			t.Errorf("audience_size after more tagged contacts: %v", n)
		}

		sched := func(k string, val any) map[string]any {
			s := map[string]any{"timezone": "UTC", "days": []string{"mon"}, "start_time": "09:00", "end_time": "17:00"}
			s[k] = val
			b := campaignBody(f.assistant)
			b["schedule"] = s
			return b
		}
		with := func(k string, val any) map[string]any {
			b := campaignBody(f.assistant)
			b[k] = val
			return b
		}
		for name, c := range map[string]struct {
			body any
			loc  string
		}{
			"no name":          {map[string]any{"contact_tag": "vip"}, "body.name"},
			"status":           {with("status", "running"), "body.status"},
			"concurrency 0":    {with("max_concurrent_calls", 0), "body.max_concurrent_calls"},
			"concurrency str":  {with("max_concurrent_calls", "5"), "body.max_concurrent_calls"},
			"bad timezone":     {sched("timezone", "Mars/Olympus"), "body.schedule.timezone"},
			"bad day":          {sched("days", []string{"funday"}), "body.schedule.days"},
			"no days":          {sched("days", []string{}), "body.schedule.days"},
			"12h time":         {sched("start_time", "9am"), "body.schedule.start_time"},
			"end before start": {sched("end_time", "08:00"), "body.schedule.end_time"},
			"bad date":         {sched("start_date", "03/02/2026"), "body.schedule.start_date"},
			"their assistant":  {with("assistant_id", a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/assistants", v.Token, map[string]any{"name": "T"}).want(t, 201).Str("id")), "body.assistant_id"},
			"unknown field":    {with("dial_rate", 3), "body.dial_rate"},
		} {
			fieldErrors(t, "create "+name, a.do("POST", f.base, u.Token, c.body), c.loc)
			if name != "no name" {
				fieldErrors(t, "edit "+name, a.do("PATCH", f.base+"/"+id, u.Token, c.body), c.loc)
			}
		}
		if n := len(a.do("GET", f.base, u.Token, nil).want(t, 200).Items()); n != 2 {
			t.Errorf("refused creates made campaigns: %d", n)
		}
		if now := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200); now.Str("status") != "draft" || now.Str("schedule.timezone") != "Europe/Paris" || now.Str("assistant_id") != f.assistant {
			t.Errorf("refused edits changed the campaign: %s", now.Raw)
		}
		p := a.do("PATCH", f.base+"/"+id, u.Token, map[string]any{"name": "Renamed"}).want(t, 200)
		shape(t, "edited campaign", p.Body, campaignShape)
		if p.Str("name") != "Renamed" || p.Get("max_concurrent_calls") != float64(5) {
			t.Errorf("edited: %s", p.Raw)
		}

		// Actions answer the campaign; a wrong state is 409 invalid_state and changes nothing.
		for _, step := range []struct{ action, status string }{{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"stop", "stopped"}} {
			r := a.do("POST", f.base+"/"+id+"/"+step.action, u.Token, nil).want(t, 200)
			shape(t, step.action, r.Body, campaignShape)
			if r.Str("status") != step.status {
				t.Errorf("%s: %s", step.action, r.Raw)
			}
		}
		for _, action := range []string{"start", "pause", "resume", "stop"} {
			problem(t, a.do("POST", f.base+"/"+id+"/"+action, u.Token, nil), 409, "invalid_state")
		}
		draft := nd.Str("id")
		for _, action := range []string{"pause", "resume", "stop"} {
			problem(t, a.do("POST", f.base+"/"+draft+"/"+action, u.Token, nil), 409, "invalid_state")
		}
		if s := a.do("GET", f.base+"/"+draft, u.Token, nil).want(t, 200).Str("status"); s != "draft" {
			t.Errorf("refused actions changed the status to %s", s)
		}
		for i := range 2 {
			a.do("POST", f.base, u.Token, with("name", fmt.Sprintf("C%d", i))).want(t, 201)
		}
		checkPaging(t, a, u.Token, f.base, 4)

		vf := a.campaignFixture(v)
		theirs := a.do("POST", vf.base, v.Token, campaignBody(vf.assistant)).want(t, 201).Str("id")
		crossWorkspace(t, a, u, v, "campaigns", theirs, map[string]any{"name": "Stolen"})
		for _, action := range []string{"start", "pause", "resume", "stop"} {
			problem(t, a.do("POST", f.base+"/"+theirs+"/"+action, u.Token, nil), 404, "not_found")
		}
		if s := a.do("GET", vf.base+"/"+theirs, v.Token, nil).want(t, 200).Str("status"); s != "draft" {
			t.Errorf("another workspace started the campaign: %s", s)
		}
	})
}

func TestContract2Calls(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u, v := twoOwners(a)
		base := "/api/v1/workspaces/" + u.WorkspaceID
		ast := a.do("POST", base+"/assistants", u.Token, map[string]any{"name": "Caller"}).want(t, 201).Str("id")
		a.seedTaggedContacts(u.WorkspaceID, "vip", 1)
		cmp := a.do("POST", base+"/campaigns", u.Token, campaignBody(ast)).want(t, 201).Str("id")
		con := a.do("POST", base+"/contacts", u.Token, map[string]any{"phone": "+442071838750"}).want(t, 201).Str("id")

		// The voice engine reports with an admin API key; times with an offset come back in UTC.
		_, key := a.apiKeyFor(u.Token, u.WorkspaceID, sb.RoleAdmin)
		body := callBody("eng-1", "2026-03-01T09:00:00+01:00", "2026-03-01T09:02:00+01:00")
		body["assistant_id"], body["campaign_id"], body["contact_id"] = ast, cmp, con
		r := a.do("POST", base+"/calls", key, body).want(t, 201)
		shape(t, "call", r.Body, callShape)
		if _, ok := r.Body["transcript"]; ok {
			t.Errorf("the call answer carries the transcript: %s", r.Raw)
		}
		if r.Str("started_at") != "2026-03-01T08:00:00Z" || r.Get("duration_seconds") != float64(120) || r.Str("assistant_id") != ast || r.Str("campaign_id") != cmp || r.Str("contact_id") != con {
			t.Errorf("call: %s", r.Raw)
		}
		id := r.Str("id")
		used := a.do("GET", base, u.Token, nil).want(t, 200).Get("seconds_used")
		// A replay, even with other data, answers the first call and debits nothing.
		replay := callBody("eng-1", "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z")
		replay["outcome"] = "failed"
		again := a.do("POST", base+"/calls", key, replay).want(t, 200)
		shape(t, "replayed call", again.Body, callShape)
		if again.Str("id") != id || again.Get("duration_seconds") != float64(120) || again.Str("outcome") != "completed" {
			t.Errorf("replay: %s", again.Raw)
		}
		if now := a.do("GET", base, u.Token, nil).want(t, 200).Get("seconds_used"); now != used || used != float64(120) {
			t.Errorf("seconds_used %v then %v, want 120 once", used, now)
		}
		_, memberKey := a.apiKeyFor(u.Token, u.WorkspaceID, sb.RoleMember)
		problem(t, a.do("POST", base+"/calls", memberKey, callBody("eng-2", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")), 403, "forbidden")
		problem(t, a.do("POST", base+"/calls/authorize", memberKey, nil), 403, "forbidden")
		// Ids of another workspace are refused, and nothing is recorded.
		vAst := a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/assistants", v.Token, map[string]any{"name": "T"}).want(t, 201).Str("id")
		foreign := callBody("eng-3", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")
		foreign["assistant_id"] = vAst
		fieldErrors(t, "foreign assistant", a.do("POST", base+"/calls", key, foreign), "body.assistant_id")
		fieldErrors(t, "unknown field", a.do("POST", base+"/calls", key, map[string]any{"external_id": "x", "cost": 1}), "body.cost")
		fieldErrors(t, "speaker", a.do("POST", base+"/calls", key, func() map[string]any {
			b := callBody("eng-4", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")
			b["transcript"] = []map[string]any{{"speaker": "bot", "text": "x", "at_ms": 0}}
			return b
		}()), "body.transcript")

		g := a.do("GET", base+"/calls/"+id, u.Token, nil).want(t, 200)
		shape(t, "got call", g.Body, callShape)
		if _, ok := g.Body["transcript"]; ok {
			t.Errorf("GET call carries the transcript: %s", g.Raw)
		}
		conv := a.do("GET", base+"/calls/"+id+"/conversation", u.Token, nil).want(t, 200)
		shape(t, "conversation", conv.Body, map[string]string{"transcript": "array", "recording_url": "string|null"})
		for _, turn := range conv.Body["transcript"].([]any) {
			shape(t, "turn", turn, map[string]string{"speaker": "string", "text": "string", "at_ms": "number"})
		}

		// More calls for the filters.
		for i, o := range []string{"no_answer", "busy", "voicemail", "transferred"} {
			b := callBody(fmt.Sprintf("f-%d", i), fmt.Sprintf("2026-02-2%dT10:00:00Z", i+1), fmt.Sprintf("2026-02-2%dT10:00:30Z", i+1))
			b["outcome"] = o
			if i%2 == 0 {
				b["assistant_id"] = ast
			}
			a.do("POST", base+"/calls", key, b).want(t, 201)
		}
		for _, it := range checkPaging(t, a, u.Token, base+"/calls", 5) {
			shape(t, "listed call", it, callShape)
			if _, ok := it["transcript"]; ok {
				t.Errorf("the list carries transcripts")
			}
		}
		count := func(q string) int {
			r := a.do("GET", base+"/calls"+q, u.Token, nil).want(t, 200)
			shape(t, "calls"+q, r.Body, listShape)
			return len(r.Items())
		}
		for q, want := range map[string]int{
			"?outcome=busy": 1, "?outcome=completed": 1, "?assistant_id=" + ast: 3, "?campaign_id=" + cmp: 1,
			"?from=2026-02-22T00:00:00Z": 4, "?to=2026-02-22T00:00:00Z": 1, "?from=2026-02-22T00:00:00Z&to=2026-02-24T00:00:00Z": 2,
			"?assistant_id=" + vAst: 0, "?outcome=no_answer&assistant_id=" + ast: 1,
		} {
			if got := count(q); got != want {
				t.Errorf("calls%s: %d, want %d", q, got, want)
			}
		}
		checkPaging(t, a, u.Token, base+"/calls?assistant_id="+ast, 3)
		for _, q := range []string{"?outcome=hung_up", "?from=yesterday", "?to=2026-13-01T00:00:00Z", "?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z"} {
			problem(t, a.do("GET", base+"/calls"+q, u.Token, nil), 422, "validation_failed")
		}

		// Another workspace's call: 404 for the call and its conversation.
		vCall := a.do("POST", "/api/v1/workspaces/"+v.WorkspaceID+"/calls", v.Token, callBody("eng-1", "2026-03-01T08:00:00Z", "2026-03-01T08:00:10Z")).want(t, 201).Str("id")
		problem(t, a.do("GET", base+"/calls/"+vCall, u.Token, nil), 404, "not_found")
		problem(t, a.do("GET", base+"/calls/"+vCall+"/conversation", u.Token, nil), 404, "not_found")
		problem(t, a.do("GET", base+"/calls/cal_missing/conversation", u.Token, nil), 404, "not_found")
	})
}

func TestContract2AuthorizeAndAnalytics(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Auth")
		base := "/api/v1/workspaces/" + u.WorkspaceID
		problem(t, a.do("POST", base+"/calls/authorize", u.Token, map[string]any{"estimated_seconds": 60}), 402, "insufficient_minutes")
		a.grant(u.AccountID, 5)
		ok := a.do("POST", base+"/calls/authorize", u.Token, map[string]any{"estimated_seconds": 60}).want(t, 200)
		shape(t, "authorization", ok.Body, map[string]string{"allowed": "bool", "remaining_seconds": "number|null"})
		if ok.Get("allowed") != true || ok.Get("remaining_seconds") != float64(300) {
			t.Errorf("authorize: %s", ok.Raw)
		}
		a.do("POST", base+"/calls/authorize", u.Token, nil).want(t, 200)
		fieldErrors(t, "negative estimate", a.do("POST", base+"/calls/authorize", u.Token, map[string]any{"estimated_seconds": -1}), "body.estimated_seconds")
		fieldErrors(t, "string estimate", a.do("POST", base+"/calls/authorize", u.Token, map[string]any{"estimated_seconds": "60"}), "body.estimated_seconds")
		// A call that uses the pool up: 402 with a problem document.
		a.do("POST", base+"/calls", u.Token, callBody("big", "2026-03-01T08:00:00Z", "2026-03-01T08:05:00Z")).want(t, 201)
		problem(t, a.do("POST", base+"/calls/authorize", u.Token, nil), 402, "insufficient_minutes")

		ast := a.do("POST", base+"/assistants", u.Token, map[string]any{"name": "A"}).want(t, 201).Str("id")
		b := callBody("a1", "2026-02-27T10:00:00Z", "2026-02-27T10:00:20Z")
		b["assistant_id"], b["outcome"] = ast, "voicemail"
		a.do("POST", base+"/calls", u.Token, b).want(t, 201)
		an := a.do("GET", base+"/analytics?from=2026-02-26T00:00:00Z&to=2026-03-02T00:00:00Z&interval=day", u.Token, nil).want(t, 200)
		shape(t, "analytics", an.Body, map[string]string{"totals": "object", "series": "array", "by_assistant": "array"})
		shape(t, "analytics.totals", an.Body["totals"], map[string]string{"calls": "number", "seconds": "number", "by_outcome": "object"})
		for o, n := range an.Get("totals.by_outcome").(map[string]any) {
			if !sb.ValidOutcome(o) || jsonType(n) != "number" {
				t.Errorf("by_outcome %s = %v", o, n)
			}
		}
		if an.Get("totals.calls") != float64(2) || an.Get("totals.seconds") != float64(320) || an.Get("totals.by_outcome.voicemail") != float64(1) || an.Get("totals.by_outcome.completed") != float64(1) {
			t.Errorf("analytics totals: %s", an.Raw)
		}
		series := an.Body["series"].([]any)
		if len(series) != 4 {
			t.Errorf("series for 4 days: %d", len(series))
		}
		calls := 0.0
		for _, p := range series {
			shape(t, "series point", p, map[string]string{"start": "time", "calls": "number", "seconds": "number"})
			calls += p.(map[string]any)["calls"].(float64)
		}
		if calls != 2 {
			t.Errorf("series sums to %v calls", calls)
		}
		byA := an.Body["by_assistant"].([]any)
		if len(byA) != 1 {
			t.Fatalf("by_assistant: %s", an.Raw)
		}
		shape(t, "by_assistant", byA[0], map[string]string{"assistant_id": "string", "calls": "number", "seconds": "number"})
		if byA[0].(map[string]any)["assistant_id"] != ast || byA[0].(map[string]any)["seconds"] != float64(20) {
			t.Errorf("by_assistant: %v", byA[0])
		}
		for _, q := range []string{"?interval=week", "?interval=hour", "?from=yesterday", "?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z", "?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"} {
			problem(t, a.do("GET", base+"/analytics"+q, u.Token, nil), 422, "validation_failed")
		}
		// Analytics of a workspace count only its own calls.
		other := a.signUp("AuthOther")
		a.grant(other.AccountID, 5)
		a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/calls", other.Token, callBody("o1", "2026-02-27T10:00:00Z", "2026-02-27T10:00:20Z")).want(t, 201)
		if again := a.do("GET", base+"/analytics?from=2026-02-26T00:00:00Z&to=2026-03-02T00:00:00Z", u.Token, nil).want(t, 200); again.Get("totals.calls") != float64(2) {
			t.Errorf("analytics counts another workspace's calls: %s", again.Raw)
		}
		problem(t, a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/analytics", u.Token, nil), 404, "not_found")
	})
}

// TestContract2OddBodies: every write endpoint of this part of the API answers a
// body of the wrong shape with a problem document a person can read, never a 500.
func TestContract2OddBodies(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Odd")
		a.setPlan(u.AccountID, "pro")
		a.grant(u.AccountID, 10)
		ws := u.WorkspaceID
		base := "/api/v1/workspaces/" + ws
		a.setSMTP(u.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())
		ast := a.do("POST", base+"/assistants", u.Token, map[string]any{"name": "A"}).want(t, 201).Str("id")
		wf := a.do("POST", base+"/workflows", u.Token, map[string]any{"name": "W"}).want(t, 201).Str("id")
		con := a.do("POST", base+"/contacts", u.Token, map[string]any{"phone": "+14155550100"}).want(t, 201).Str("id")
		cmp := a.do("POST", base+"/campaigns", u.Token, map[string]any{"name": "C"}).want(t, 201).Str("id")
		endpoints := []struct{ method, path string }{
			{"POST", base + "/invitations"}, {"PUT", base + "/integrations/smtp"}, {"POST", base + "/integrations/smtp/test"},
			{"PUT", base + "/white-label"},
			{"POST", base + "/assistants"}, {"PATCH", base + "/assistants/" + ast},
			{"POST", base + "/workflows"}, {"PATCH", base + "/workflows/" + wf},
			{"POST", base + "/contacts"}, {"PATCH", base + "/contacts/" + con}, {"POST", base + "/contacts/tags"},
			{"POST", base + "/campaigns"}, {"PATCH", base + "/campaigns/" + cmp},
			{"POST", base + "/calls"}, {"POST", base + "/calls/authorize"},
			{"POST", "/api/v1/auth/signup"},
		}
		for _, e := range endpoints {
			for _, body := range []string{`[1]`, `"text"`, `42`, `{"name": {"a": 1}}`} {
				r := a.do(e.method, e.path, u.Token, body)
				if r.Status != 422 {
					t.Errorf("%s %s %s: %d, want 422: %s", e.method, e.path, body, r.Status, r.Raw)
					continue
				}
				problem(t, r, 422, "validation_failed")
				if strings.Contains(string(r.Raw), "struct") || strings.Contains(string(r.Raw), "a int") {
					t.Errorf("%s %s %s: Go words in the answer: %s", e.method, e.path, body, r.Raw)
				}
			}
			for _, body := range []string{`{`, `{}{}`, `{,}`} {
				problem(t, a.do(e.method, e.path, u.Token, body), 400, "bad_request")
			}
		}
	})
}

// TestContract2Seats: seats count distinct people across the account's
// workspaces: members, and emails with a pending (not expired) invitation.
func TestContract2Seats(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Seats")
		a.setPlan(owner.AccountID, "pro") // 25 seats
		ws1 := owner.WorkspaceID
		ws2 := a.createWorkspace(owner.Token, map[string]any{"name": "Second"})
		addr := startSMTP(t, mail.CatcherOptions{}).Addr()
		a.setSMTP(owner.Token, ws1, addr)
		a.setSMTP(owner.Token, ws2, addr)
		member := a.signUp("SeatMember")
		a.join(ws1, member, sb.RoleMember) // seat 2
		for i := range 22 {                // seats 3–24
			a.invite(owner.Token, ws1, fmt.Sprintf("s%d@example.com", i), sb.RoleViewer).want(t, 201)
		}
		a.invite(owner.Token, ws1, "last@example.com", sb.RoleViewer).want(t, 201) // seat 25
		problem(t, a.invite(owner.Token, ws1, "one-more@example.com", sb.RoleViewer), 403, "plan_limit_reached")
		// The same people in the other workspace take no new seat.
		a.invite(owner.Token, ws2, "LAST@example.com", sb.RoleViewer).want(t, 201)
		a.invite(owner.Token, ws2, member.Email, sb.RoleAdmin).want(t, 201)
		problem(t, a.invite(owner.Token, ws2, "one-more@example.com", sb.RoleViewer), 403, "plan_limit_reached")
		if n := len(a.do("GET", "/api/v1/workspaces/"+ws2+"/invitations", owner.Token, nil).want(t, 200).Items()); n != 2 {
			t.Errorf("a refused invitation was made: %d", n)
		}
		// Expired invitations hold no seat; resending one needs a free seat again.
		a.clock.Advance(sb.InvitationTTL + time.Hour)
		a.invite(owner.Token, ws2, "after-expiry@example.com", sb.RoleViewer).want(t, 201)
		exp := a.do("GET", "/api/v1/workspaces/"+ws1+"/invitations?status=expired&limit=1", owner.Token, nil).want(t, 200).Items()
		if len(exp) != 1 {
			t.Fatalf("expired: %v", exp)
		}
		a.do("POST", "/api/v1/workspaces/"+ws1+"/invitations/"+exp[0]["id"].(string)+"/resend", owner.Token, nil).want(t, 200)
		if r := a.do("GET", "/api/v1/accounts/"+owner.AccountID, owner.Token, nil).want(t, 200); r.Get("limits.max_seats") != float64(25) {
			t.Errorf("pro seats: %s", r.Raw)
		}
	})
}

// TestContract2AcceptURL: the link comes from the base URL or the workspace's
// custom domain, never from the request's Host header; the preview carries the
// workspace's branding.
func TestContract2AcceptURL(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Link")
		a.setPlan(owner.AccountID, "pro")
		ws := owner.WorkspaceID
		a.setSMTP(owner.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())
		post := func(host, email string) *resp {
			req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/workspaces/"+ws+"/invitations", strings.NewReader(`{"email":"`+email+`","role":"member"}`))
			req.Host = host
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-Host", "evil.example")
			req.Header.Set("Authorization", "Bearer "+owner.Token)
			return a.send(req)
		}
		r := post("evil.example", "h1@example.com")
		if r.Status != 201 || !strings.HasPrefix(r.Str("accept_url"), testBaseURL+"/invite/sbi_") {
			t.Fatalf("accept_url with a forged Host: %d %s", r.Status, r.Raw)
		}
		rs := a.do("POST", "/api/v1/workspaces/"+ws+"/invitations/"+r.Str("id")+"/resend", owner.Token, nil).want(t, 200)
		if !strings.HasPrefix(rs.Str("accept_url"), testBaseURL+"/invite/sbi_") {
			t.Errorf("resent accept_url: %s", rs.Raw)
		}
		a.do("PUT", "/api/v1/workspaces/"+ws+"/white-label", owner.Token, map[string]any{"brand_name": "Link Co", "custom_domain": "calls.link.example", "primary_color": "#00aa00"}).want(t, 200)
		r = post("evil.example", "h2@example.com")
		if r.Status != 201 || !strings.HasPrefix(r.Str("accept_url"), "https://calls.link.example/invite/sbi_") {
			t.Fatalf("accept_url with a custom domain: %d %s", r.Status, r.Raw)
		}
		p := a.do("GET", "/api/v1/invitations/"+tokenOf(r.Str("accept_url")), "", nil).want(t, 200)
		shape(t, "preview.branding", p.Body["branding"], whiteLabelShape)
		if p.Str("branding.brand_name") != "Link Co" || p.Str("branding.primary_color") != "#00aa00" {
			t.Errorf("preview branding: %s", p.Raw)
		}
		if strings.Contains(string(p.Raw), tokenOf(r.Str("accept_url"))) {
			t.Errorf("the preview repeats the token: %s", p.Raw)
		}
	})
}

// concurrently sends n requests made by mk at once and returns their statuses;
// bodies, when given, receives the answers' bodies.
func concurrently(a *api, n int, mk func(i int) *http.Request, bodies ...[][]byte) []int {
	statuses := make([]int, n)
	raws := make([][]byte, n)
	done := make(chan struct{})
	start := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			req := mk(i)
			<-start
			res, err := a.srv.Client().Do(req)
			if err != nil {
				return
			}
			defer res.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(res.Body)
			statuses[i], raws[i] = res.StatusCode, buf.Bytes()
		}()
	}
	close(start)
	for range n {
		<-done
	}
	if len(bodies) > 0 {
		copy(bodies[0], raws)
	}
	return statuses
}

func jsonRequest(a *api, method, path, token, body string) *http.Request {
	req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func countStatus(statuses []int) map[int]int {
	out := map[int]int{}
	for _, s := range statuses {
		out[s]++
	}
	return out
}

// TestContract2InvitationRaces: seats, duplicate invitations and sign-ups through
// one link hold under concurrent requests.
func TestContract2InvitationRaces(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Race")
		a.setPlan(owner.AccountID, "starter") // 5 seats: the owner and 4 more
		ws := owner.WorkspaceID
		path := "/api/v1/workspaces/" + ws + "/invitations"
		a.setSMTP(owner.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())

		// The same email invited 8 times at once: one invitation.
		got := countStatus(concurrently(a, 8, func(int) *http.Request {
			return jsonRequest(a, "POST", path, owner.Token, `{"email":"same@example.com","role":"member"}`)
		}))
		if got[201] != 1 || got[409] != 7 {
			t.Errorf("the same email invited at once: %v, want one 201 and seven 409", got)
		}
		// 8 different emails at once for the 3 seats left: 3 invitations.
		got = countStatus(concurrently(a, 8, func(i int) *http.Request {
			return jsonRequest(a, "POST", path, owner.Token, fmt.Sprintf(`{"email":"seat%d@example.com","role":"member"}`, i))
		}))
		if got[201] != 3 || got[403] != 5 {
			t.Errorf("8 invitations for 3 seats: %v, want three 201 and five 403", got)
		}
		if n := len(a.do("GET", path+"?status=pending", owner.Token, nil).want(t, 200).Items()); n != 4 {
			t.Errorf("pending invitations: %d, want 4 (the plan's seats)", n)
		}

		// Resends at once: afterwards exactly one link works.
		inv := a.do("GET", path+"?status=pending&limit=1", owner.Token, nil).want(t, 200).Items()[0]
		raws := make([][]byte, 6)
		statuses := concurrently(a, 6, func(i int) *http.Request {
			return jsonRequest(a, "POST", path+"/"+inv["id"].(string)+"/resend", owner.Token, "")
		}, raws)
		working := 0
		for i, st := range statuses {
			if st != 200 {
				t.Errorf("concurrent resend: %d %s", st, raws[i])
				continue
			}
			var body map[string]any
			if err := json.Unmarshal(raws[i], &body); err != nil {
				t.Fatal(err)
			}
			link, _ := body["accept_url"].(string)
			switch p := a.do("GET", "/api/v1/invitations/"+tokenOf(link), "", nil); p.Status {
			case 200:
				working++
			case 410:
			default:
				t.Errorf("link of a concurrent resend: %d %s", p.Status, p.Raw)
			}
		}
		if working != 1 {
			t.Errorf("after concurrent resends %d links work, want exactly 1", working)
		}
		// Sign-ups through one link at once: one user.
		a.do("DELETE", path+"/"+inv["id"].(string), owner.Token, nil).want(t, 204)
		r := a.invite(owner.Token, ws, "newbie@example.com", sb.RoleViewer).want(t, 201)
		token := tokenOf(r.Str("accept_url"))
		got = countStatus(concurrently(a, 6, func(i int) *http.Request {
			return jsonRequest(a, "POST", "/api/v1/auth/signup", "", fmt.Sprintf(`{"email":"newbie@example.com","password":"correct horse %d","name":"N","invitation_token":"%s"}`, i, token))
		}))
		if got[201] != 1 || got[201]+got[409]+got[410] != 6 {
			t.Errorf("sign-ups through one link at once: %v, want one 201 and the rest 409 or 410", got)
		}
		members := a.do("GET", "/api/v1/workspaces/"+ws+"/members", owner.Token, nil).want(t, 200).Items()
		n := 0
		for _, m := range members {
			if m["email"] == "newbie@example.com" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("newbie is a member %d times", n)
		}
	})
}

// TestContract2ResourceRaces: one contact per phone and one call per external_id,
// debited once, under concurrent requests.
func TestContract2ResourceRaces(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("RRace")
		a.grant(u.AccountID, 100)
		base := "/api/v1/workspaces/" + u.WorkspaceID
		got := countStatus(concurrently(a, 8, func(i int) *http.Request {
			return jsonRequest(a, "POST", base+"/contacts", u.Token, fmt.Sprintf(`{"phone":"+1 415 555 0142","first_name":"T%d"}`, i))
		}))
		if got[201] != 1 || got[409] != 7 {
			t.Errorf("one phone created at once: %v, want one 201 and seven 409", got)
		}
		if n := len(a.contacts(u.WorkspaceID, u.Token, "")); n != 1 {
			t.Errorf("%d contacts for one phone", n)
		}
		body, _ := json.Marshal(callBody("dup-1", "2026-03-01T08:00:00Z", "2026-03-01T08:01:40Z"))
		raws := make([][]byte, 8)
		statuses := concurrently(a, 8, func(int) *http.Request {
			return jsonRequest(a, "POST", base+"/calls", u.Token, string(body))
		}, raws)
		got = countStatus(statuses)
		if got[201] != 1 || got[200] != 7 {
			t.Errorf("one call reported 8 times at once: %v, want one 201 and seven 200", got)
		}
		ids := map[string]bool{}
		for _, raw := range raws {
			var c map[string]any
			json.Unmarshal(raw, &c)
			ids[fmt.Sprint(c["id"])] = true
		}
		if len(ids) != 1 {
			t.Errorf("concurrent reports answered %d different calls", len(ids))
		}
		if used := a.do("GET", base, u.Token, nil).want(t, 200).Get("seconds_used"); used != float64(100) {
			t.Errorf("seconds_used %v, want 100 (debited once)", used)
		}
		if bal := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200).Get("minutes.balance_seconds"); bal != float64(6000-100) {
			t.Errorf("balance %v, want %d", bal, 6000-100)
		}
	})
}

// TestContract2OpenAPICoversEndpoints: the OpenAPI document names every endpoint
// of api.md's invitations, settings and workspace resources, with its success status.
func TestContract2OpenAPICoversEndpoints(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		paths, _ := a.do("GET", "/api/v1/openapi.json", "", nil).want(t, 200).Body["paths"].(map[string]any)
		ws := "/api/v1/workspaces/{ws}"
		for e, status := range map[string]string{
			"post " + ws + "/invitations": "201", "get " + ws + "/invitations": "200",
			"post " + ws + "/invitations/{id}/resend": "200", "delete " + ws + "/invitations/{id}": "204",
			"get /api/v1/invitations/{token}": "200", "post /api/v1/invitations/{token}/accept": "200",
			"put " + ws + "/integrations/smtp": "200", "get " + ws + "/integrations/smtp": "200", "delete " + ws + "/integrations/smtp": "204",
			"post " + ws + "/integrations/smtp/test": "200", "get " + ws + "/white-label": "200", "put " + ws + "/white-label": "200",
			"get " + ws + "/assistants": "200", "post " + ws + "/assistants": "201", "get " + ws + "/assistants/{id}": "200",
			"patch " + ws + "/assistants/{id}": "200", "delete " + ws + "/assistants/{id}": "204",
			"get " + ws + "/workflows": "200", "post " + ws + "/workflows": "201", "get " + ws + "/workflows/{id}": "200",
			"patch " + ws + "/workflows/{id}": "200", "delete " + ws + "/workflows/{id}": "204",
			"post " + ws + "/workflows/{id}/deploy": "201", "get " + ws + "/workflows/{id}/versions": "200",
			"get " + ws + "/contacts": "200", "post " + ws + "/contacts": "201", "get " + ws + "/contacts/{id}": "200",
			"patch " + ws + "/contacts/{id}": "200", "delete " + ws + "/contacts/{id}": "204", "post " + ws + "/contacts/tags": "200",
			"post " + ws + "/contacts/imports": "202", "get " + ws + "/contacts/imports/{id}": "200", "get " + ws + "/contacts/imports/{id}/rejected": "200",
			"get " + ws + "/campaigns": "200", "post " + ws + "/campaigns": "201", "get " + ws + "/campaigns/{id}": "200",
			"patch " + ws + "/campaigns/{id}": "200", "delete " + ws + "/campaigns/{id}": "204",
			"post " + ws + "/campaigns/{id}/start": "200", "post " + ws + "/campaigns/{id}/pause": "200",
			"post " + ws + "/campaigns/{id}/resume": "200", "post " + ws + "/campaigns/{id}/stop": "200",
			"post " + ws + "/calls": "201", "post " + ws + "/calls/authorize": "200", "get " + ws + "/calls": "200",
			"get " + ws + "/calls/{id}": "200", "get " + ws + "/calls/{id}/conversation": "200", "get " + ws + "/analytics": "200",
		} {
			method, path, _ := strings.Cut(e, " ")
			ops, _ := paths[path].(map[string]any)
			op, ok := ops[method].(map[string]any)
			if !ok {
				t.Errorf("OpenAPI lacks %s", e)
				continue
			}
			if responses, _ := op["responses"].(map[string]any); responses[status] == nil {
				t.Errorf("OpenAPI %s: no %s response in %v", e, status, op["responses"])
			}
		}
	})
}

// TestContract2RefusedChangesChangeNothing: a write refused for a role too low
// (403) leaves the resource as it was.
func TestContract2RefusedChangesChangeNothing(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		tm := a.roleTeam()
		a.grant(tm.owner.AccountID, 10)
		f := a.campaignFixture(tm.owner)
		ast := f.assistant
		wf := a.do("POST", tm.path("/workflows"), tm.owner.Token, map[string]any{"name": "W", "definition": map[string]any{"a": 1}}).want(t, 201).Str("id")
		con := a.do("POST", tm.path("/contacts"), tm.owner.Token, map[string]any{"phone": "+14155550177", "tags": []string{"keep"}}).want(t, 201).Str("id")
		cmp := a.do("POST", f.base, tm.owner.Token, campaignBody(ast)).want(t, 201).Str("id")
		for _, c := range []struct {
			role         sb.Role
			method, path string
			body         any
			check        string // read back by the owner
		}{
			{sb.RoleManager, "PATCH", "/assistants/" + ast, map[string]any{"name": "Hijacked"}, "/assistants/" + ast},
			{sb.RoleManager, "DELETE", "/assistants/" + ast, nil, "/assistants/" + ast},
			{sb.RoleManager, "PATCH", "/workflows/" + wf, map[string]any{"definition": map[string]any{"b": 2}}, "/workflows/" + wf},
			{sb.RoleManager, "POST", "/workflows/" + wf + "/deploy", nil, "/workflows/" + wf + "/versions"},
			{sb.RoleMember, "PATCH", "/contacts/" + con, map[string]any{"company": "X"}, "/contacts/" + con},
			{sb.RoleMember, "POST", "/contacts/tags", map[string]any{"contact_ids": []string{con}, "remove": []string{"keep"}}, "/contacts/" + con},
			{sb.RoleMember, "DELETE", "/contacts/" + con, nil, "/contacts/" + con},
			{sb.RoleMember, "PATCH", "/campaigns/" + cmp, map[string]any{"name": "X"}, "/campaigns/" + cmp},
			{sb.RoleViewer, "POST", "/campaigns/" + cmp + "/start", nil, "/campaigns/" + cmp},
			{sb.RoleMember, "DELETE", "/campaigns/" + cmp, nil, "/campaigns/" + cmp},
			{sb.RoleManager, "POST", "/calls", callBody("refused", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z"), "/calls"},
		} {
			before := a.do("GET", tm.path(c.check), tm.owner.Token, nil).want(t, 200)
			problem(t, a.do(c.method, tm.path(c.path), tm.tokens[c.role], c.body), 403, "forbidden")
			problem(t, a.do(c.method, tm.path(c.path), tm.tokens[sb.RoleNone], c.body), 404, "not_found")
			after := a.do("GET", tm.path(c.check), tm.owner.Token, nil).want(t, 200)
			if !bytes.Equal(before.Raw, after.Raw) {
				t.Errorf("%s %s refused but changed:\n%s\n%s", c.method, c.path, before.Raw, after.Raw)
			}
		}
		if used := a.do("GET", tm.path(""), tm.owner.Token, nil).want(t, 200).Get("seconds_used"); used != float64(0) {
			t.Errorf("a refused call report was debited: %v", used)
		}
	})
}

// TestContract2OddText: NUL, invalid UTF-8 and very long values in the paths and
// queries of this part of the API get 4xx problem documents, never a 500.
func TestContract2OddText(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("OddText")
		base := "/api/v1/workspaces/" + u.WorkspaceID
		long := strings.Repeat("x", 5000)
		for _, id := range []string{"a%00b", "a%FFb", long} {
			for _, p := range []string{
				"GET /assistants/" + id, "PATCH /assistants/" + id, "DELETE /workflows/" + id, "POST /workflows/" + id + "/deploy",
				"GET /workflows/" + id + "/versions", "GET /contacts/" + id, "GET /contacts/imports/" + id,
				"GET /contacts/imports/" + id + "/rejected", "POST /campaigns/" + id + "/start", "GET /calls/" + id,
				"GET /calls/" + id + "/conversation", "POST /invitations/" + id + "/resend", "DELETE /invitations/" + id,
			} {
				method, path, _ := strings.Cut(p, " ")
				var body any
				if method == "PATCH" {
					body = map[string]any{"name": "x"}
				}
				problem(t, a.do(method, base+path, u.Token, body), 404, "not_found")
			}
			problem(t, a.do("GET", "/api/v1/invitations/sbi_"+id, "", nil), 404, "not_found")
			problem(t, a.do("POST", "/api/v1/invitations/sbi_"+id+"/accept", u.Token, nil), 404, "not_found")
		}
		for _, q := range []string{
			"/contacts?tag=%00", "/contacts?q=%FF", "/invitations?status=%00", "/calls?outcome=%FF",
			"/calls?assistant_id=%00", "/analytics?interval=%FF", "/contacts?cursor=%00", "/assistants?cursor=%FF",
		} {
			problem(t, a.do("GET", base+q, u.Token, nil), 422, "validation_failed")
		}
		for _, q := range []string{"/contacts?q=" + long, "/contacts?tag=" + long, "/calls?assistant_id=" + long, "/campaigns?cursor=" + long} {
			if r := a.do("GET", base+q, u.Token, nil); r.Status != 200 && r.Status != 422 {
				t.Errorf("GET %s…: %d %s", q[:20], r.Status, r.Raw)
			}
		}
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/assistants", `{"name": "a\u0000b"}`},
			{"POST", "/contacts", `{"phone": "+14155550100", "company": "\u0000"}`},
			{"POST", "/contacts/tags", `{"contact_ids": ["\u0000"], "add": ["x"]}`},
			{"POST", "/campaigns", `{"name": "c", "contact_tag": "\u0000"}`},
			{"POST", "/workflows", `{"name": "w", "definition": {"k": "\u0000"}}`},
			{"PUT", "/white-label", `{"brand_name": "\u0000"}`},
			{"POST", "/invitations", `{"email": "a\u0000@example.com", "role": "member"}`},
		} {
			problem(t, a.do(c.method, base+c.path, u.Token, c.body), 422, "validation_failed")
		}
	})
}

// TestContract2SMTPInternalHostsRefused: without --smtp-allow-private, SMTP
// settings pointing at loopback, private, link-local or metadata addresses are
// refused (product.md), as a 422 on the host.
func TestContract2SMTPInternalHostsRefused(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) {
		c.BaseURL = testBaseURL
		c.Mail = mail.NewTransport(mail.TransportConfig{Timeout: 2 * time.Second})
	}}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, Invitations: s, SMTP: s, WhiteLabel: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		a := &api{t: t, srv: srv, store: s, clock: clock}
		u := a.signUp("Guard")
		path := "/api/v1/workspaces/" + u.WorkspaceID + "/integrations/smtp"
		for _, host := range []string{"127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0", "fd00:ec2::254", "100.64.0.1"} {
			r := a.do("PUT", path, u.Token, map[string]any{"host": host, "port": 25, "from_email": "a@example.com", "security": "none"})
			if r.Status != 422 {
				t.Errorf("SMTP host %s: %d %s, want 422", host, r.Status, r.Raw)
				continue
			}
			fieldErrors(t, host, r, "body.host")
		}
		problem(t, a.do("GET", path, u.Token, nil), 404, "not_found")
	})
}

// TestContract2TimeEdges: times at the edges of what RFC 3339 in UTC can write
// never make a 500 or an empty answer in calls, lists or analytics.
func TestContract2TimeEdges(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Edges")
		a.grant(u.AccountID, 10)
		base := "/api/v1/workspaces/" + u.WorkspaceID
		for i, c := range []struct {
			start, end string
			status     int
		}{
			{"0001-01-01T00:00:00Z", "0001-01-01T00:00:10Z", 201},
			{"9999-12-31T23:59:00Z", "9999-12-31T23:59:59Z", 201},
			{"2026-03-01T23:59:59+14:00", "2026-03-01T00:00:09-12:00", 201},
			// Year 10000 in UTC, year 0 in UTC: not writable as RFC 3339 UTC.
			{"9999-12-31T23:59:00-05:00", "9999-12-31T23:59:59-05:00", 422},
			{"0001-01-01T00:00:00+01:00", "0001-01-01T00:00:10Z", 422},
		} {
			r := a.do("POST", base+"/calls", u.Token, callBody(fmt.Sprintf("edge-%d", i), c.start, c.end))
			if c.status == 422 {
				fieldErrors(t, c.start, r, "body.started_at", "body.ended_at")
				continue
			}
			r.want(t, 201)
			shape(t, "edge call", r.Body, callShape)
		}
		for _, q := range []string{
			"/calls", "/calls?from=0001-01-01T00:00:00Z", "/calls?to=9999-12-31T23:59:59Z", "/calls?from=2026-03-01T00:00:00%2B14:00",
			"/analytics?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "/analytics?from=0001-01-01T00:00:00Z&to=0001-01-03T00:00:00Z",
			"/analytics?from=9999-12-30T00:00:00Z&to=9999-12-31T00:00:00Z", "/analytics?from=2026-03-01",
			"/analytics?from=9999-12-30T00:00:00Z&to=9999-12-31T12:00:00Z", "/analytics?to=0001-01-05T00:00:00Z",
		} {
			r := a.do("GET", base+q, u.Token, nil)
			switch r.Status {
			case 200:
				if r.Body == nil {
					t.Errorf("GET %s: 200 with no JSON body", q)
				}
			case 422:
				problem(t, r, 422, "validation_failed")
			default:
				t.Errorf("GET %s: %d %s", q, r.Status, r.Raw)
			}
		}
		if n := len(a.do("GET", base+"/calls", u.Token, nil).want(t, 200).Items()); n != 3 {
			t.Errorf("calls listed: %d, want 3", n)
		}
	})
}

// TestContract2ImportOddBytes: rows whose cells are not UTF-8 text, or hold NUL,
// are rejected with a reason on both stores (PostgreSQL cannot store them); the
// other rows are imported; a tags part that is not text is a 422.
func TestContract2ImportOddBytes(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Bytes")
		ws := u.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		file := "first_name,phone,company,tags,notes\n" +
			"Jos\xe9,+14155550100,Co,t1,\n" + // Latin-1 é
			"Bob,+14155550101,Co\x00rp,t2,\n" +
			"Cat,+14155550102,Ok,t\xfe3,\n" +
			"Dan,+14155550103,Ok,t4,ignored \xff column\n"
		r := a.upload(ws, u.Token, file, map[string]string{"mapping": `{"notes": "ignore"}`}).want(t, 202)
		a.runImports()
		g := a.do("GET", base+"/imports/"+r.Str("id"), u.Token, nil).want(t, 200)
		if g.Str("status") != "completed" || num(g, "rows_imported") != 1 || num(g, "rows_rejected") != 3 {
			t.Errorf("import of odd bytes: %s", g.Raw)
		}
		cs := a.contacts(ws, u.Token, "")
		if len(cs) != 1 || cs[0]["first_name"] != "Dan" {
			t.Errorf("contacts: %v", cs)
		}
		_, recs := csvRecords(t, a, base+"/imports/"+r.Str("id")+"/rejected", u.Token)
		if len(recs) != 4 {
			t.Fatalf("rejected: %q", recs)
		}
		for _, rec := range recs[1:] {
			if !strings.Contains(rec[len(rec)-1], "UTF-8") {
				t.Errorf("rejected row reason: %q", rec)
			}
		}
		for _, tags := range []string{"x\xff", "a\x00b"} {
			fieldErrors(t, "tags part", a.upload(ws, u.Token, "phone\n+14155550199\n", map[string]string{"tags": tags}), "body.tags")
		}
	})
}
