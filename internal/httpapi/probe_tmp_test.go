package httpapi_test

import (
	"testing"

	"github.com/switchboard/switchboard/internal/mail"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestProbeTmp(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("P")
		a.setPlan(o.AccountID, "pro")
		ws := o.WorkspaceID
		base := "/api/v1/workspaces/" + ws
		a.setSMTP(o.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())
		bob := a.signUp("Bob")
		inv := a.invite(o.Token, ws, bob.Email, sb.RoleMember).want(t, 201)
		a.join(ws, bob, sb.RoleViewer)
		r := a.do("POST", "/api/v1/invitations/"+tokenOf(inv.Str("accept_url"))+"/accept", bob.Token, nil)
		t.Logf("accept when already member: %d %s; role now %s", r.Status, r.Raw, meRole(t, a, bob.Token, ws))
		t.Logf("delete accepted/used: %d %s", a.do("DELETE", base+"/invitations/"+inv.Str("id"), o.Token, nil).Status, "")
		c := a.signUp("Cat")
		i2 := a.invite(o.Token, ws, c.Email, sb.RoleMember).want(t, 201)
		a.do("DELETE", base+"/invitations/"+i2.Str("id"), o.Token, nil).want(t, 204)
		r = a.do("DELETE", base+"/invitations/"+i2.Str("id"), o.Token, nil)
		t.Logf("revoke twice: %d %s", r.Status, r.Raw)
		_, key := a.apiKeyFor(o.Token, ws, sb.RoleAdmin)
		i3 := a.invite(key, ws, "keyed@example.com", sb.RoleMember)
		t.Logf("invite by key: %d %s", i3.Status, i3.Raw)
		if i3.Status == 201 {
			p := a.do("GET", "/api/v1/invitations/"+tokenOf(i3.Str("accept_url")), "", nil)
			t.Logf("preview key invite: %s", p.Raw)
		}
		s := a.do("PUT", base+"/integrations/smtp", o.Token, map[string]any{"host": "127.0.0.1", "port": 25, "from_email": "a@example.com", "security": "none", "password": ""})
		t.Logf("smtp empty password: %s", s.Raw)
		s = a.do("PUT", base+"/integrations/smtp", o.Token, map[string]any{"host": "127.0.0.1", "port": 25.5, "from_email": "a@example.com", "security": "none"})
		t.Logf("smtp port 25.5: %d", s.Status)
		s = a.do("PUT", base+"/integrations/smtp", o.Token, map[string]any{"host": "127.0.0.1", "port": 25, "from_email": "a@example.com", "security": "none", "password": nil})
		t.Logf("smtp null password: %s", s.Raw)
		c1 := a.do("POST", base+"/contacts", o.Token, map[string]any{"phone": "+14155550100"}).want(t, 201).Str("id")
		c2 := a.do("POST", base+"/contacts", o.Token, map[string]any{"phone": "+14155550101"}).want(t, 201).Str("id")
		_ = c1
		r = a.do("PATCH", base+"/contacts/"+c2, o.Token, map[string]any{"phone": "+14155550100"})
		t.Logf("patch to dup phone: %d %s", r.Status, r.Raw)
		r = a.do("PATCH", base+"/contacts/"+c2, o.Token, map[string]any{})
		t.Logf("empty patch: %d", r.Status)
		r = a.do("PATCH", base+"/contacts/"+c2, o.Token, map[string]any{"phone": nil})
		t.Logf("null phone patch: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/contacts", o.Token, map[string]any{"phone": "+14155550102", "tags": nil})
		t.Logf("null tags: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/workflows", o.Token, map[string]any{"name": "x", "definition": nil})
		t.Logf("null def: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/assistants", o.Token, map[string]any{"name": "x", "language": ""})
		t.Logf("empty lang: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/campaigns", o.Token, map[string]any{"name": "x"})
		t.Logf("min campaign: %d %s", r.Status, r.Raw)
		r = a.do("PATCH", base+"/campaigns/"+r.Str("id"), o.Token, map[string]any{"schedule": nil})
		t.Logf("null schedule: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/calls/authorize", o.Token, "")
		t.Logf("authorize empty body string: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/calls/authorize", o.Token, "null")
		t.Logf("authorize null: %d %s", r.Status, r.Raw)
		r = a.do("POST", base+"/calls/authorize", o.Token, "[]")
		t.Logf("authorize []: %d %s", r.Status, r.Raw)
		r = a.do("GET", base+"/calls?cursor=%00", o.Token, nil)
		t.Logf("cursor nul: %d", r.Status)
		r = a.do("GET", base+"/contacts?cursor=zzz", o.Token, nil)
		t.Logf("contacts bad cursor: %d %s", r.Status, r.Raw)
		r = a.do("GET", base+"/assistants?cursor=zzz", o.Token, nil)
		t.Logf("assistants bad cursor: %d %s", r.Status, r.Raw)
		r = a.do("GET", base+"/invitations?cursor=zzz", o.Token, nil)
		t.Logf("invitations bad cursor: %d %s", r.Status, r.Raw)
	})
}
