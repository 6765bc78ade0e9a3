package httpapi_test

import (
	"context"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// roleTeam is a workspace with one person in each role, and an outsider.
type roleTeam struct {
	owner    user
	ws       string
	tokens   map[sb.Role]string
	outsider user
}

// roleOrder lists the roles a role table checks; RoleNone is the outsider.
var roleOrder = []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin, sb.RoleOwner, sb.RoleNone}

func (a *api) roleTeam() roleTeam {
	a.t.Helper()
	owner := a.signUp("Owner")
	tm := roleTeam{owner: owner, ws: owner.WorkspaceID, tokens: map[sb.Role]string{sb.RoleOwner: owner.Token}}
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
func (tm roleTeam) path(p string) string { return "/api/v1/workspaces/" + tm.ws + p }

// checkRoleTable calls an endpoint once per role, each on a fresh target made by setup
// (its result is passed to call), and asserts: the success status for roles at
// least min, 403 forbidden below, 404 not_found for the outsider.
func checkRoleTable(t *testing.T, tm roleTeam, min sb.Role, success int, setup func() string, call func(token, target string) *resp) {
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

// seedTaggedContacts adds n contacts carrying tag to a workspace.
func (a *api) seedTaggedContacts(ws, tag string, n int) {
	a.t.Helper()
	if err := a.store.SeedContactsForTest(context.Background(), ws, tag, n); err != nil {
		a.t.Fatal(err)
	}
}

// auditActionCounts returns the actions of a workspace's audit log, read from the store.
func (a *api) auditActionCounts(ws string) map[string]int {
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
