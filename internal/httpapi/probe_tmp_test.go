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
		a.setSMTP(o.Token, ws, startSMTP(t, mail.CatcherOptions{}).Addr())
		bob := a.signUp("Bob")
		_, bobKey := a.apiKeyFor(bob.Token, bob.WorkspaceID, sb.RoleAdmin)
		inv := a.invite(o.Token, ws, bob.Email, sb.RoleMember).want(t, 201)
		r := a.do("POST", "/api/v1/invitations/"+tokenOf(inv.Str("accept_url"))+"/accept", bobKey, nil)
		t.Logf("accept with api key: %d %s", r.Status, r.Raw)
		_, okey := a.apiKeyFor(o.Token, ws, sb.RoleAdmin)
		t.Logf("admin key white-label: %d", a.do("GET", "/api/v1/workspaces/"+ws+"/white-label", okey, nil).Status)
		t.Logf("admin key smtp: %d", a.do("GET", "/api/v1/workspaces/"+ws+"/integrations/smtp", okey, nil).Status)
		t.Logf("bad token: %d %s", a.do("GET", "/api/v1/workspaces/"+ws+"/assistants", "sbs_bogus", nil).Status, a.do("GET", "/api/v1/workspaces/"+ws+"/assistants", "sbs_bogus", nil).Raw)
		t.Logf("me with key: %d %s", a.do("GET", "/api/v1/me", okey, nil).Status, a.do("GET", "/api/v1/me", okey, nil).Raw)
	})
}
