package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// team is an agency with a client and one person per role, plus an outsider.
type team struct {
	s        *site
	agency   string
	client   string
	simple   string // the owner's first workspace
	owner    *browser
	byRole   map[sb.Role]*browser
	outsider *browser
	account  string
}

func newTeam(t testing.TB, s *site) *team {
	ctx := context.Background()
	tm := &team{s: s, byRole: map[sb.Role]*browser{}}
	tm.owner = s.signUp("Olive Owner", "owner@example.com")
	tm.simple = tm.owner.firstWorkspace()
	me, err := s.store.Me(ctx, tm.owner.actor())
	if err != nil {
		t.Fatal(err)
	}
	tm.account = me.Accounts[0].ID
	if _, err := s.store.SetPlan(ctx, sb.Actor{Operator: true}, tm.account, sb.PlanEnterprise); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.GrantMinutes(ctx, sb.Actor{Operator: true}, tm.account, sb.GrantInput{Minutes: 1000}); err != nil {
		t.Fatal(err)
	}
	p := tm.owner.post("/w/new", url.Values{"name": {"Agency One"}, "type": {"agency"}})
	wantStatus(t, p, http.StatusSeeOther)
	tm.agency = strings.TrimPrefix(p.Location(), "/w/")
	p = tm.owner.post("/w/new", url.Values{"name": {"Client One"}, "type": {"simple"}, "parent_id": {tm.agency}})
	wantStatus(t, p, http.StatusSeeOther)
	tm.client = strings.TrimPrefix(p.Location(), "/w/")
	tm.byRole[sb.RoleOwner] = tm.owner
	for _, role := range []sb.Role{sb.RoleAdmin, sb.RoleManager, sb.RoleMember, sb.RoleViewer} {
		b := s.signUp("The "+string(role), string(role)+"@example.com")
		if err := s.store.GrantMembership(ctx, tm.agency, b.actor().UserID, role); err != nil {
			t.Fatal(err)
		}
		tm.byRole[role] = b
	}
	tm.outsider = s.signUp("Otto Outsider", "outsider@example.com")
	return tm
}

// The role matrix: every workspace page × every role gets 200, 403 or 404, as the
// permission table says.
func TestEveryPageEveryRole(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		tm := newTeam(t, s)
		pages := []struct {
			path string
			min  sb.Role
		}{
			{"", sb.RoleViewer},
			{"/team", sb.RoleViewer},
			{"/clients", sb.RoleViewer},
			{"/settings", sb.RoleAdmin},
			{"/settings/integrations", sb.RoleAdmin},
			{"/settings/white-label", sb.RoleOwner},
			{"/settings/api-keys", sb.RoleAdmin},
			{"/billing", sb.RoleOwner},
			{"/audit", sb.RoleAdmin},
		}
		roles := []sb.Role{sb.RoleOwner, sb.RoleAdmin, sb.RoleManager, sb.RoleMember, sb.RoleViewer}
		for _, pg := range pages {
			for _, role := range roles {
				want := http.StatusOK
				if !role.AtLeast(pg.min) {
					want = http.StatusForbidden
				}
				p := tm.byRole[role].get("/w/" + tm.agency + pg.path)
				if p.Status != want {
					t.Errorf("%s as %s: %d, want %d", pg.path, role, p.Status, want)
				}
				if want == http.StatusForbidden && !strings.Contains(p.Body, "Not allowed") {
					t.Errorf("%s as %s: the 403 is not the branded page", pg.path, role)
				}
			}
			if p := tm.outsider.get("/w/" + tm.agency + pg.path); p.Status != http.StatusNotFound {
				t.Errorf("%s as an outsider: %d, want 404", pg.path, p.Status)
			}
		}
		// Pages of one's own: every signed-in person.
		for _, role := range roles {
			for _, path := range []string{"/account", "/w/new", "/login", "/signup", "/forgot"} {
				if p := tm.byRole[role].get(path); p.Status != http.StatusOK {
					t.Errorf("%s as %s: %d", path, role, p.Status)
				}
			}
		}
		// A simple workspace has no clients page.
		if p := tm.owner.get("/w/" + tm.simple + "/clients"); p.Status != http.StatusNotFound {
			t.Errorf("clients of a simple workspace: %d", p.Status)
		}
		// An agency owner acts in the client as admin: no billing, no white label.
		if p := tm.owner.get("/w/" + tm.client + "/settings"); p.Status != http.StatusOK {
			t.Errorf("client settings as agency owner: %d", p.Status)
		}
	})
}

// The navigation shows only the sections a role reaches; the switcher lists every
// workspace with its role, the agency's clients under it.
func TestNavigationPerRole(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		tm := newTeam(t, s)
		base := "/w/" + tm.agency
		sections := map[string]sb.Role{
			base + `"`: sb.RoleViewer, base + `/team"`: sb.RoleViewer, base + `/clients"`: sb.RoleViewer,
			base + `/contacts"`: sb.RoleMember, base + `/settings"`: sb.RoleAdmin,
			base + `/settings/api-keys"`: sb.RoleAdmin, base + `/audit"`: sb.RoleAdmin,
			base + `/billing"`: sb.RoleOwner, base + `/settings/white-label"`: sb.RoleOwner,
		}
		for role, b := range tm.byRole {
			p := b.get(base)
			wantStatus(t, p, http.StatusOK)
			nav := between(p.Body, `<nav class="side"`, `</nav>`)
			for href, min := range sections {
				has := strings.Contains(nav, `href="`+href)
				if has != role.AtLeast(min) {
					t.Errorf("%s: nav link %s shown=%v", role, href, has)
				}
			}
		}
		p := tm.owner.get(base)
		sw := between(p.Body, `<details class="switcher"`, `</details>`)
		ia, ic := strings.Index(sw, "Agency One"), strings.Index(sw, "Client One")
		if ia < 0 || ic < ia || !strings.Contains(sw, `class="client`) || !strings.Contains(sw, "Olive Owner&#39;s workspace") {
			t.Errorf("switcher: %s", sw)
		}
		// The viewer sees the agency and, inherited, its client.
		sw = between(tm.byRole[sb.RoleViewer].get(base).Body, `<details class="switcher"`, `</details>`)
		if !strings.Contains(sw, "Agency One") || !strings.Contains(sw, "Client One") || !strings.Contains(sw, "viewer") {
			t.Errorf("viewer's switcher: %s", sw)
		}
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// Everything a tenant typed is escaped.
func TestTenantTextEscaped(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		evil := `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`
		b := s.browser()
		p := b.post("/signup", url.Values{"name": {evil}, "email": {"evil@example.com"}, "password": {"password-123"}})
		wantStatus(t, p, http.StatusSeeOther)
		ws := b.firstWorkspace()
		wantStatus(t, b.post("/w/"+ws+"/settings", url.Values{"name": {evil}, "description": {evil}}), http.StatusSeeOther)
		wantStatus(t, b.post("/w/"+ws+"/settings/api-keys", url.Values{"name": {evil}, "role": {"viewer"}}), http.StatusSeeOther)
		wantStatus(t, b.post("/w/"+ws+"/settings/white-label", url.Values{"brand_name": {evil}, "support_email": {"help@example.com"}}), http.StatusSeeOther)
		for _, path := range []string{"/w/" + ws, "/w/" + ws + "/team", "/w/" + ws + "/settings", "/w/" + ws + "/settings/api-keys", "/w/" + ws + "/settings/white-label", "/w/" + ws + "/audit", "/account"} {
			p := b.get(path)
			wantStatus(t, p, http.StatusOK)
			if strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "<img src=x") {
				t.Fatalf("%s renders tenant text as HTML", path)
			}
			if !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("%s does not show the escaped text", path)
			}
		}
	})
}

// Each form works without JavaScript: POST, 303, the change made, a flash message.
func TestFormsWithoutJavaScript(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		tm := newTeam(t, s)
		o := tm.owner
		ag := "/w/" + tm.agency

		// Settings: rename; a refused form re-renders with the problem, 422, changing nothing.
		p := o.post(ag+"/settings", url.Values{"name": {"Agency Renamed"}, "description": {"d"}})
		wantBody(t, o.follow(p), "The settings are saved.", `value="Agency Renamed"`)
		p = o.post(ag+"/settings", url.Values{"name": {""}, "description": {"d"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, "The name must be 1 to 100 characters long.")
		if w, _ := s.store.GetWorkspace(ctx, o.actor(), tm.agency); w.Name != "Agency Renamed" {
			t.Fatalf("a refused form changed the name to %q", w.Name)
		}

		// Billing: set a budget, over the pool is 402 on the page, remove it.
		p = o.post(ag+"/billing", url.Values{"minute_budget": {"300"}})
		wantBody(t, o.follow(p), "is saved", `value="300"`)
		p = o.post(ag+"/billing", url.Values{"minute_budget": {"999999"}})
		wantStatus(t, p, http.StatusPaymentRequired)
		p = o.post("/w/"+tm.client+"/billing", url.Values{"minute_budget": {"50"}, "return_to": {ag + "/billing"}})
		// The agency owner made the client, so owns it; the form goes back to the agency.
		if p.Status != http.StatusSeeOther || p.Location() != ag+"/billing" {
			t.Fatalf("client budget: %d %q", p.Status, p.Location())
		}
		wantBody(t, o.get(ag+"/billing"), "Client One", `value="50"`, "Every workspace of the account")
		// A manager of the agency (admin in nothing) cannot: 403 page.
		wantStatus(t, tm.byRole[sb.RoleManager].post("/w/"+tm.client+"/billing", url.Values{"minute_budget": {"5"}}), http.StatusForbidden)

		// Clients: the page's own form; a manager may not.
		wantStatus(t, tm.byRole[sb.RoleManager].post(ag+"/clients", url.Values{"name": {"Nope"}}), http.StatusForbidden)
		p = tm.byRole[sb.RoleAdmin].post(ag+"/clients", url.Values{"name": {"Second Client"}})
		wantBody(t, tm.byRole[sb.RoleAdmin].follow(p), "Second Client is ready")
		wantBody(t, o.get(ag+"/clients"), "Second Client", "Client One")

		// Team: invite needs SMTP first (409 on the page); configure it, then invite.
		p = o.post(ag+"/team/invitations", url.Values{"email": {"new@example.com"}, "role": {"member"}})
		wantStatus(t, p, http.StatusConflict)
		p = o.post(ag+"/settings/integrations", url.Values{"host": {"smtp.example.com"}, "port": {"587"}, "security": {"starttls"}, "from_email": {"team@example.com"}, "password": {"pw"}})
		wantBody(t, o.follow(p), "The mail server is saved.", `value="smtp.example.com"`, "(set; leave empty to keep it)")
		p = o.post(ag+"/team/invitations", url.Values{"email": {"new@example.com"}, "role": {"member"}})
		page := o.follow(p)
		wantBody(t, page, "Invitation sent to new@example.com", "/invite/", `data-copy="accept-url"`, "new@example.com", "queued")
		// The link is shown once.
		wantNoBody(t, o.get(ag+"/team"), `id="accept-url"`)
		invs, _ := s.store.ListInvitations(ctx, o.actor(), tm.agency, "")
		if len(invs) != 1 {
			t.Fatalf("%d invitations", len(invs))
		}
		p = o.post(ag+"/team/invitations/"+invs[0].ID+"/resend", nil)
		wantBody(t, o.follow(p), "Invitation sent again", `id="accept-url"`)
		p = o.post(ag+"/team/invitations/"+invs[0].ID+"/revoke", nil)
		wantBody(t, o.follow(p), "The invitation is revoked")

		// Change a role, remove a member, a viewer leaves.
		viewer := tm.byRole[sb.RoleViewer].actor().UserID
		member := tm.byRole[sb.RoleMember].actor().UserID
		p = o.post(ag+"/team/members/"+member+"/role", url.Values{"role": {"manager"}})
		wantBody(t, o.follow(p), "is now manager")
		p = tm.byRole[sb.RoleManager].post(ag+"/team/members/"+member+"/role", url.Values{"role": {"admin"}})
		wantStatus(t, p, http.StatusForbidden)
		p = o.post(ag+"/team/members/"+member+"/remove", nil)
		wantBody(t, o.follow(p), "The member is removed.")
		p = tm.byRole[sb.RoleViewer].post(ag+"/team/leave", nil)
		wantStatus(t, p, http.StatusSeeOther)
		if got := tm.byRole[sb.RoleViewer].get(ag); got.Status != http.StatusNotFound {
			t.Fatalf("after leaving: %d", got.Status)
		}
		_ = viewer

		// Transfer ownership of the simple workspace to a direct member.
		admin := tm.byRole[sb.RoleAdmin]
		if err := s.store.GrantMembership(ctx, tm.simple, admin.actor().UserID, sb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		p = o.post("/w/"+tm.simple+"/team/ownership", url.Values{"user_id": {admin.actor().UserID}})
		wantBody(t, o.follow(p), "Ownership is transferred")
		if w, _ := s.store.GetWorkspace(ctx, admin.actor(), tm.simple); w.Role != sb.RoleOwner {
			t.Fatalf("new owner's role %s", w.Role)
		}

		// API keys: the secret shown once, then revoke.
		p = o.post(ag+"/settings/api-keys", url.Values{"name": {"engine"}, "role": {"admin"}})
		page = o.follow(p)
		wantBody(t, page, `id="api-key"`, "sbk_")
		wantNoBody(t, o.get(ag+"/settings/api-keys"), `id="api-key"`)
		keys, _, _ := s.store.ListAPIKeys(ctx, o.actor(), tm.agency, sb.Page{})
		p = o.post(ag+"/settings/api-keys/"+keys[0].ID+"/revoke", nil)
		wantBody(t, o.follow(p), "The key is revoked.", "No API keys yet.")

		// White label, with a bad colour refused.
		p = o.post(ag+"/settings/white-label", url.Values{"brand_name": {"Acme Voice"}, "primary_color": {"#112233"}})
		wantBody(t, o.follow(p), "The brand is saved.", "Acme Voice", "--brand: #112233")
		p = o.post(ag+"/settings/white-label", url.Values{"primary_color": {"red"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		// The client shows its agency's brand to its members.
		wantBody(t, o.get("/w/"+tm.client), "Acme Voice")

		// Account: rename, change password (wrong current refused), sessions.
		p = o.post("/account", url.Values{"name": {"Olive Renamed"}})
		wantBody(t, o.follow(p), "Your name is saved.", "Olive Renamed")
		p = o.post("/account/password", url.Values{"current_password": {"nope-nope"}, "new_password": {"another-password"}})
		if p.Status == http.StatusSeeOther {
			t.Fatal("a wrong current password was taken")
		}
		other := s.browser()
		wantStatus(t, other.post("/login", url.Values{"email": {"owner@example.com"}, "password": {"password-123"}}), http.StatusSeeOther)
		page = o.get("/account")
		wantBody(t, page, "this session", "/account/sessions/", "Go-http-client", "127.0.0.1")
		p = o.post("/account/password", url.Values{"current_password": {"password-123"}, "new_password": {"another-password"}})
		wantBody(t, o.follow(p), "Your password is changed")
		if got := other.get("/account"); got.Status != http.StatusSeeOther {
			t.Fatalf("the other session survived a password change: %d", got.Status)
		}
		sessions, _ := s.store.ListSessions(ctx, o.actor())
		if len(sessions) != 1 {
			t.Fatalf("%d sessions", len(sessions))
		}
		p = o.post("/account/sessions/"+sessions[0].ID+"/end", nil)
		if p.Location() != "/login" {
			t.Fatalf("ending the current session goes to %q", p.Location())
		}

		// Delete and restore (a fresh owner session).
		o2 := s.browser()
		wantStatus(t, o2.post("/login", url.Values{"email": {"owner@example.com"}, "password": {"another-password"}}), http.StatusSeeOther)
		p = o2.post(ag+"/settings/delete", nil)
		wantStatus(t, p, http.StatusConflict) // it has a client
		p = o2.post(ag+"/settings/delete", url.Values{"cascade": {"true"}})
		wantBody(t, o2.follow(p), "is deleted", "Restore the workspace")
		if got := admin.get(ag); got.Status != http.StatusNotFound {
			t.Fatalf("a deleted workspace for an admin: %d", got.Status)
		}
		p = o2.post(ag+"/settings/restore", nil)
		wantBody(t, o2.follow(p), "The workspace is restored.")
	})
}

// Create Workspace: agency only on enterprise; a client from an agency.
func TestCreateWorkspacePage(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		page := b.get("/w/new")
		wantBody(t, page, `name="name"`, `name="type"`, `name="description"`, `name="minute_budget"`, "enterprise plan")
		wantNoBody(t, page, `value="agency"`)
		p := b.post("/w/new", url.Values{"name": {"Second"}, "type": {"simple"}})
		wantStatus(t, p, http.StatusForbidden) // free plan: one workspace
		wantBody(t, p, "plan")
		p = b.post("/w/new", url.Values{"name": {"An agency"}, "type": {"agency"}})
		wantStatus(t, p, http.StatusForbidden)
		_ = fmt.Sprint()
	})
}

var _ = store.Config{}
var _ = storetest.NewClock

// A request whose Host is a workspace's custom domain shows its brand on the log-in page.
func TestCustomDomainLogInBrand(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		ws := b.firstWorkspace()
		wantStatus(t, b.post("/w/"+ws+"/settings/white-label", url.Values{"brand_name": {"Acme <Voice>"}, "primary_color": {"#ffee00"}, "custom_domain": {"voice.acme.test"}}), http.StatusSeeOther)
		req, _ := http.NewRequest("GET", s.srv.URL+"/login", nil)
		req.Host = "voice.acme.test"
		p := s.browser().do(req)
		wantStatus(t, p, http.StatusOK)
		wantBody(t, p, "Log in · Acme &lt;Voice&gt;", "--brand: #ffee00", "--ink: #000000")
		wantNoBody(t, s.browser().get("/login"), "Acme")
	})
}

// Usage over the budget turns the bar red, on the dashboard and the billing page.
func TestOverBudgetBar(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		b := s.signUp("Ann", "ann@example.com")
		ws := b.firstWorkspace()
		me, _ := s.store.Me(ctx, b.actor())
		if _, err := s.store.GrantMinutes(ctx, sb.Actor{Operator: true}, me.Accounts[0].ID, sb.GrantInput{Minutes: 100}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, b.post("/w/"+ws+"/billing", url.Values{"minute_budget": {"2"}}), http.StatusSeeOther)
		wantBody(t, b.get("/w/"+ws+"/billing"), `class="usage"`, `width="0"`)
		key, err := s.store.CreateAPIKey(ctx, b.actor(), ws, sb.APIKeyInput{Name: "engine", Role: sb.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		start := s.clock.Now().Add(-time.Hour)
		body := fmt.Sprintf(`{"external_id":"c1","direction":"outbound","from":"+15550000001","to":"+15550000002","started_at":%q,"ended_at":%q,"outcome":"completed"}`,
			start.Format(time.RFC3339), start.Add(3*time.Minute).Format(time.RFC3339))
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/workspaces/"+ws+"/calls", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key.Key)
		req.Header.Set("Content-Type", "application/json")
		if p := s.browser().do(req); p.Status != http.StatusCreated {
			t.Fatalf("report a call: %d %s", p.Status, p.Body)
		}
		for _, path := range []string{"/w/" + ws, "/w/" + ws + "/billing"} {
			p := b.get(path)
			wantBody(t, p, `class="usage over"`, `width="100"`)
		}
		wantBody(t, b.get("/w/"+ws+"/billing"), "over budget")
	})
}
