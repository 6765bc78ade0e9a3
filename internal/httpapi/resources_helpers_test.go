package httpapi_test

import (
	"context"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// team is a workspace with one person in each role, and an outsider.
type team struct {
	owner    user
	ws       string
	tokens   map[sb.Role]string
	outsider user
}

// roleOrder lists the roles a role table checks; RoleNone is the outsider.
var roleOrder = []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin, sb.RoleOwner, sb.RoleNone}

func (a *api) team() team {
	a.t.Helper()
	owner := a.signUp("Owner")
	tm := team{owner: owner, ws: owner.WorkspaceID, tokens: map[sb.Role]string{sb.RoleOwner: owner.Token}}
	for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
		u := a.signUp(string(r))
		a.join(tm.ws, u, r)
		tm.tokens[r] = u.Token
	}
	tm.outsider = a.signUp("Outsider")
	tm.tokens[sb.RoleNone] = tm.outsider.Token
	return tm
}

// path is a path under the team's workspace.
func (tm team) path(p string) string { return "/api/v1/workspaces/" + tm.ws + p }

// checkRoles calls an endpoint once per role, each on a fresh target made by setup
// (its result is passed to call), and asserts: the success status for roles at
// least min, 403 forbidden below, 404 not_found for the outsider.
func checkRoles(t *testing.T, tm team, min sb.Role, success int, setup func() string, call func(token, target string) *resp) {
	t.Helper()
	for _, role := range roleOrder {
		target := ""
		if setup != nil {
			target = setup()
		}
		r := call(tm.tokens[role], target)
		name := string(role)
		if role == sb.RoleNone {
			name = "non-member"
		}
		switch {
		case role == sb.RoleNone:
			if r.Status != 404 || r.Str("code") != "not_found" {
				t.Errorf("%s: status %d, want 404 not_found: %s", name, r.Status, r.Raw)
			}
		case role.AtLeast(min):
			if r.Status != success {
				t.Errorf("%s: status %d, want %d: %s", name, r.Status, success, r.Raw)
			}
		default:
			if r.Status != 403 || r.Str("code") != "forbidden" {
				t.Errorf("%s: status %d, want 403 forbidden: %s", name, r.Status, r.Raw)
			}
		}
	}
}

// seedContacts adds n contacts carrying tag to a workspace.
func (a *api) seedContacts(ws, tag string, n int) {
	a.t.Helper()
	if err := a.store.SeedContactsForTest(context.Background(), ws, tag, n); err != nil {
		a.t.Fatal(err)
	}
}

// auditActions returns the actions of a workspace's audit log, read from the store.
func (a *api) auditActions(ws string) map[string]int {
	a.t.Helper()
	out := map[string]int{}
	acts, err := a.store.AuditActionsForTest(context.Background(), ws)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, x := range acts {
		out[x]++
	}
	return out
}
