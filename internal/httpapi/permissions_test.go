package httpapi_test

import (
	"fmt"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestPermissionTable proves each row of permissions.md that has an endpoint in the
// foundation, for every role, a non-member, an agency member acting in a client
// (inherited role) and a client member acting in the agency. Each probe is chosen so
// that an allowed caller gets a distinctive answer without changing anything
// another probe depends on.
func TestPermissionTable(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Owner")
		a.setPlan(owner.AccountID, "enterprise")
		a.grant(owner.AccountID, 1000)
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client", "parent_id": agency})
		a.createWorkspace(owner.Token, map[string]any{"name": "Second client", "parent_id": agency})

		actors := map[string]user{"owner": owner}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp(string(r))
			a.join(agency, u, r)
			actors[string(r)] = u
		}
		actors["outsider"] = a.signUp("Outsider")
		clientAdmin := a.signUp("ClientAdmin")
		a.join(client, clientAdmin, sb.RoleAdmin)

		type probe struct {
			name, method, path string
			body               any
			// want maps the lowest allowed role to the answer allowed callers get.
			minRole   sb.Role
			allowed   int
			allowCode string
		}
		probes := func(ws string, isAgency bool) []probe {
			ps := []probe{
				{"see workspace", "GET", "/api/v1/workspaces/" + ws, nil, sb.RoleViewer, 200, ""},
				{"see members", "GET", "/api/v1/workspaces/" + ws + "/members", nil, sb.RoleViewer, 200, ""},
				{"list clients", "GET", "/api/v1/workspaces/" + ws + "/clients", nil, sb.RoleViewer, 200, ""},
				{"rename", "PATCH", "/api/v1/workspaces/" + ws, map[string]any{}, sb.RoleAdmin, 200, ""},
				{"change role", "PATCH", "/api/v1/workspaces/" + ws + "/members/" + owner.ID, map[string]any{"role": "viewer"}, sb.RoleAdmin, 403, "owner_immutable"},
				{"remove member", "DELETE", "/api/v1/workspaces/" + ws + "/members/" + owner.ID, nil, sb.RoleAdmin, 403, "owner_immutable"},
				{"budget", "PUT", "/api/v1/workspaces/" + ws + "/budget", map[string]any{"minute_budget": nil}, sb.RoleOwner, 200, ""},
				{"usage", "GET", "/api/v1/workspaces/" + ws + "/usage", nil, sb.RoleOwner, 200, ""},
				{"restore", "POST", "/api/v1/workspaces/" + ws + "/restore", nil, sb.RoleOwner, 409, "invalid_state"},
				{"transfer", "POST", "/api/v1/workspaces/" + ws + "/ownership", map[string]any{"user_id": owner.ID}, sb.RoleOwner, 409, "invalid_state"},
			}
			if isAgency {
				ps = append(ps,
					probe{"create client", "POST", "/api/v1/workspaces", map[string]any{"name": "New client", "parent_id": ws}, sb.RoleAdmin, 201, ""},
					probe{"delete", "DELETE", "/api/v1/workspaces/" + ws, nil, sb.RoleOwner, 409, "has_clients"},
				)
			} else {
				ps = append(ps, probe{"create client", "POST", "/api/v1/workspaces", map[string]any{"name": "Nested", "parent_id": ws}, sb.RoleAdmin, 422, "validation_failed"})
			}
			return ps
		}

		check := func(where, ws string, isAgency bool, who string, u user, role sb.Role) {
			for _, p := range probes(ws, isAgency) {
				t.Run(fmt.Sprintf("%s/%s/%s", where, p.name, who), func(t *testing.T) {
					r := a.do(p.method, p.path, u.Token, p.body)
					switch {
					case role == sb.RoleNone:
						r.want(t, 404, "not_found")
					case role.AtLeast(p.minRole):
						r.want(t, p.allowed, p.allowCode)
					default:
						r.want(t, 403, "forbidden")
					}
				})
			}
		}
		for who, u := range actors {
			role := sb.Role(who)
			if who == "outsider" {
				role = sb.RoleNone
			}
			check("agency", agency, true, who, u, role)
			// In the client, agency members act with the role they inherit.
			check("client", client, false, who, u, role)
		}
		check("agency", agency, true, "client-admin", clientAdmin, sb.RoleNone)
		check("client", client, false, "client-admin", clientAdmin, sb.RoleAdmin)
	})
}

// TestMembers covers role changes, removal, leaving and ownership transfer.
func TestMembers(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Owner")
		ws := owner.WorkspaceID
		admin, admin2, viewer := a.signUp("Admin"), a.signUp("Admin2"), a.signUp("Viewer")
		a.join(ws, admin, sb.RoleAdmin)
		a.join(ws, admin2, sb.RoleAdmin)
		a.join(ws, viewer, sb.RoleViewer)
		base := "/api/v1/workspaces/" + ws + "/members/"

		list := a.do("GET", "/api/v1/workspaces/"+ws+"/members", viewer.Token, nil).want(t, 200).Items()
		if len(list) != 4 || list[0]["user_id"] != owner.ID || list[0]["role"] != "owner" {
			t.Fatalf("members: %v", list)
		}
		for _, f := range []string{"user_id", "email", "name", "role", "inherited", "joined_at"} {
			if _, ok := list[0][f]; !ok {
				t.Fatalf("member lacks %q: %v", f, list[0])
			}
		}
		// An admin may give any role but owner, to anyone but the owner, admins included.
		r := a.do("PATCH", base+admin2.ID, admin.Token, map[string]any{"role": "manager"}).want(t, 200)
		if r.Str("role") != "manager" || r.Str("user_id") != admin2.ID {
			t.Fatalf("role change answer: %s", r.Raw)
		}
		a.do("PATCH", base+viewer.ID, admin.Token, map[string]any{"role": "owner"}).want(t, 422, "validation_failed")
		a.do("PATCH", base+viewer.ID, admin.Token, map[string]any{"role": "superuser"}).want(t, 422, "validation_failed")
		a.do("PATCH", base+owner.ID, admin.Token, map[string]any{"role": "admin"}).want(t, 403, "owner_immutable")
		a.do("PATCH", base+owner.ID, owner.Token, map[string]any{"role": "admin"}).want(t, 403, "owner_immutable")
		a.do("PATCH", base+"usr_missing", admin.Token, map[string]any{"role": "viewer"}).want(t, 404, "not_found")
		a.do("PATCH", base+admin.ID, viewer.Token, map[string]any{"role": "viewer"}).want(t, 403, "forbidden")

		// A demoted member loses access on their next request.
		a.do("PATCH", base+admin2.ID, admin.Token, map[string]any{"role": "viewer"}).want(t, 200)
		a.do("PATCH", "/api/v1/workspaces/"+ws, admin2.Token, map[string]any{"name": "x"}).want(t, 403)

		// Leaving: anyone but the owner.
		a.do("DELETE", base+owner.ID, owner.Token, nil).want(t, 403, "owner_immutable")
		a.do("DELETE", base+owner.ID, admin.Token, nil).want(t, 403, "owner_immutable")
		a.do("DELETE", base+admin.ID, viewer.Token, nil).want(t, 403, "forbidden")
		a.do("DELETE", base+viewer.ID, viewer.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/workspaces/"+ws, viewer.Token, nil).want(t, 404)
		a.do("DELETE", base+admin2.ID, admin.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/workspaces/"+ws, admin2.Token, nil).want(t, 404)

		// Transfer: only to a direct member; the former owner becomes admin.
		a.do("POST", "/api/v1/workspaces/"+ws+"/ownership", admin.Token, map[string]any{"user_id": admin.ID}).want(t, 403, "forbidden")
		a.do("POST", "/api/v1/workspaces/"+ws+"/ownership", owner.Token, map[string]any{"user_id": viewer.ID}).want(t, 422, "validation_failed")
		r = a.do("POST", "/api/v1/workspaces/"+ws+"/ownership", owner.Token, map[string]any{"user_id": admin.ID}).want(t, 200)
		if r.Str("owner_id") != admin.ID || r.Str("role") != "admin" {
			t.Fatalf("after transfer: %s", r.Raw)
		}
		a.do("PATCH", base+owner.ID, admin.Token, map[string]any{"role": "viewer"}).want(t, 200)
		a.do("DELETE", "/api/v1/workspaces/"+ws, owner.Token, nil).want(t, 403, "forbidden")
		owners := 0
		for _, m := range a.do("GET", "/api/v1/workspaces/"+ws+"/members", admin.Token, nil).Items() {
			if m["role"] == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%d owners after transfer", owners)
		}
	})
}
