package httpapi_test

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// apiKeyFor makes an API key in ws with token and returns its id and secret.
func (a *api) apiKeyFor(token, ws string, role sb.Role) (id, key string) {
	a.t.Helper()
	r := a.do("POST", "/api/v1/workspaces/"+ws+"/api-keys", token, map[string]any{"name": "engine " + string(role), "role": role}).want(a.t, 201)
	return r.Str("id"), r.Str("key")
}

func TestAPIKeyCreateShowsKeyOnce(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		path := "/api/v1/workspaces/" + o.WorkspaceID + "/api-keys"
		r := a.do("POST", path, o.Token, map[string]any{"name": "  Voice engine ", "role": "admin"}).want(t, 201)
		key := r.Str("key")
		if !strings.HasPrefix(key, store.APIKeyPrefix) || len(key) < len(store.APIKeyPrefix)+43 {
			t.Fatalf("key %q: want %s and 256 random bits", key, store.APIKeyPrefix)
		}
		if r.Str("name") != "Voice engine" || r.Str("role") != "admin" || r.Str("id") == "" || r.Str("created_at") == "" {
			t.Fatalf("create answer: %s", r.Raw)
		}
		if len(r.Body) != 5 {
			t.Fatalf("create answer has fields beyond {id, name, role, key, created_at}: %s", r.Raw)
		}

		l := a.do("GET", path, o.Token, nil).want(t, 200)
		items := l.Items()
		if len(items) != 1 {
			t.Fatalf("list: %s", l.Raw)
		}
		k := items[0]
		if strings.Contains(string(l.Raw), key) || strings.Contains(string(l.Raw), key[len(key)-20:]) || k["key"] != nil {
			t.Fatalf("list shows the secret: %s", l.Raw)
		}
		if k["id"] != r.Str("id") || k["name"] != "Voice engine" || k["role"] != "admin" || k["created_at"] == nil || k["last_used_at"] != nil {
			t.Fatalf("list item: %v", k)
		}
		if p, _ := k["prefix"].(string); p == "" || !strings.HasPrefix(key, p) || len(p) >= len(key)/2 {
			t.Fatalf("prefix %q of key %q", p, key)
		}
		by, _ := k["created_by"].(map[string]any)
		if by["id"] != o.ID || by["email"] != o.Email {
			t.Fatalf("created_by: %v", k["created_by"])
		}

		// Using the key records its last use.
		a.do("GET", "/api/v1/workspaces/"+o.WorkspaceID, key, nil).want(t, 200)
		l = a.do("GET", path, o.Token, nil).want(t, 200)
		if l.Items()[0]["last_used_at"] == nil {
			t.Fatalf("last_used_at not set after use: %s", l.Raw)
		}
	})
}

func TestAPIKeyValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		adm := a.signUp("Admin")
		a.join(o.WorkspaceID, adm, sb.RoleAdmin)
		path := "/api/v1/workspaces/" + o.WorkspaceID + "/api-keys"
		for _, tok := range []string{o.Token, adm.Token} {
			a.do("POST", path, tok, map[string]any{"name": "k", "role": "owner"}).want(t, 422, "validation_failed")
			a.do("POST", path, tok, map[string]any{"name": "k", "role": "boss"}).want(t, 422, "validation_failed")
			a.do("POST", path, tok, map[string]any{"name": " ", "role": "viewer"}).want(t, 422, "validation_failed")
			a.do("POST", path, tok, map[string]any{"name": strings.Repeat("n", 101), "role": "viewer"}).want(t, 422, "validation_failed")
			a.do("POST", path, tok, map[string]any{"name": "k", "role": "viewer", "key": "sbk_mine"}).want(t, 422, "validation_failed")
		}
		// An admin may give a key its own role, admin.
		a.apiKeyFor(adm.Token, o.WorkspaceID, sb.RoleAdmin)
		a.do("GET", path+"?limit=0", o.Token, nil).want(t, 422, "validation_failed")
		a.do("DELETE", path+"/key_nosuch", o.Token, nil).want(t, 404, "not_found")
	})
}

func TestAPIKeyActsWithItsRoleInItsWorkspaceOnly(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		other := a.signUp("Other")
		// The creator is admin in another workspace: the key still is not.
		a.join(other.WorkspaceID, o, sb.RoleAdmin)
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		_, viewer := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleViewer)
		_, manager := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleManager)
		adminID, admin := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleAdmin)

		a.do("GET", ws, viewer, nil).want(t, 200)
		a.do("GET", ws+"/members", viewer, nil).want(t, 200)
		a.do("PATCH", ws, viewer, map[string]any{"name": "By viewer"}).want(t, 403, "forbidden")
		a.do("PATCH", ws, manager, map[string]any{"name": "By manager"}).want(t, 403, "forbidden")
		a.do("GET", ws+"/api-keys", manager, nil).want(t, 403, "forbidden")
		a.do("POST", ws+"/api-keys", manager, map[string]any{"name": "k", "role": "viewer"}).want(t, 403, "forbidden")
		if got := a.do("PATCH", ws, admin, map[string]any{"name": "By admin key"}).want(t, 200).Str("name"); got != "By admin key" {
			t.Fatalf("rename by admin key: %q", got)
		}
		// An admin key never gets owner rights.
		a.do("PUT", ws+"/budget", admin, map[string]any{"minute_budget": 10}).want(t, 403, "forbidden")
		a.do("DELETE", ws, admin, nil).want(t, 403, "forbidden")
		a.do("POST", ws+"/ownership", admin, map[string]any{"user_id": o.ID}).want(t, 403)

		// An admin key may create keys up to its own role; they answer for the creator.
		childID, child := a.apiKeyFor(admin, o.WorkspaceID, sb.RoleViewer)
		a.do("GET", ws, child, nil).want(t, 200)
		a.do("POST", ws+"/api-keys", admin, map[string]any{"name": "k", "role": "owner"}).want(t, 422)

		// Nowhere else: other workspaces are not found, new workspaces not allowed.
		for _, k := range []string{viewer, admin, child} {
			a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID, k, nil).want(t, 404, "not_found")
			a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/members", k, nil).want(t, 404, "not_found")
		}
		a.do("PATCH", "/api/v1/workspaces/"+other.WorkspaceID, admin, map[string]any{"name": "x"}).want(t, 404, "not_found")
		a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/api-keys", admin, nil).want(t, 404, "not_found")
		a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/api-keys", admin, map[string]any{"name": "k", "role": "viewer"}).want(t, 404, "not_found")
		a.do("POST", "/api/v1/workspaces", admin, map[string]any{"name": "By key"}).want(t, 403, "forbidden")
		a.do("POST", "/api/v1/workspaces", admin, map[string]any{"name": "By key", "parent_id": other.WorkspaceID}).want(t, 403)
		// A key of another workspace cannot revoke this one's keys.
		_, otherKey := a.apiKeyFor(other.Token, other.WorkspaceID, sb.RoleAdmin)
		a.do("DELETE", ws+"/api-keys/"+childID, otherKey, nil).want(t, 404, "not_found")
		a.do("DELETE", "/api/v1/workspaces/"+other.WorkspaceID+"/api-keys/"+childID, otherKey, nil).want(t, 404, "not_found")
		a.do("GET", ws, child, nil).want(t, 200)

		// Revoking ends a key at once; a key can revoke itself.
		a.do("DELETE", ws+"/api-keys/"+childID, o.Token, nil).want(t, 204)
		a.do("GET", ws, child, nil).want(t, 401, "unauthorized")
		a.do("DELETE", ws+"/api-keys/"+childID, o.Token, nil).want(t, 404, "not_found")
		a.do("DELETE", ws+"/api-keys/"+adminID, admin, nil).want(t, 204)
		a.do("GET", ws, admin, nil).want(t, 401, "unauthorized")
		for _, it := range a.do("GET", ws+"/api-keys", o.Token, nil).want(t, 200).Items() {
			if it["id"] == childID || it["id"] == adminID {
				t.Fatalf("revoked key still listed: %v", it)
			}
		}
		// A deleted workspace takes its keys along.
		a.do("DELETE", ws, o.Token, nil).want(t, 204)
		a.do("GET", ws, viewer, nil).want(t, 404)
	})
}

func TestAPIKeyEndsWithItsCreatorsMembership(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		adm := a.signUp("Admin")
		leaver := a.signUp("Leaver")
		a.join(o.WorkspaceID, adm, sb.RoleAdmin)
		a.join(o.WorkspaceID, leaver, sb.RoleAdmin)
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		_, admKey := a.apiKeyFor(adm.Token, o.WorkspaceID, sb.RoleManager)
		_, leaverKey := a.apiKeyFor(leaver.Token, o.WorkspaceID, sb.RoleAdmin)
		// A key made by a key belongs to the same person.
		_, grandchild := a.apiKeyFor(leaverKey, o.WorkspaceID, sb.RoleViewer)
		_, ownerKey := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleAdmin)
		for _, k := range []string{admKey, leaverKey, grandchild, ownerKey} {
			a.do("GET", ws, k, nil).want(t, 200)
		}

		a.do("DELETE", ws+"/members/"+adm.ID, o.Token, nil).want(t, 204)
		a.do("GET", ws, admKey, nil).want(t, 401, "unauthorized")
		a.do("DELETE", ws+"/members/"+leaver.ID, leaver.Token, nil).want(t, 204)
		a.do("GET", ws, leaverKey, nil).want(t, 401, "unauthorized")
		a.do("GET", ws, grandchild, nil).want(t, 401, "unauthorized")
		a.do("GET", ws, ownerKey, nil).want(t, 200)
		if n := len(a.do("GET", ws+"/api-keys", o.Token, nil).want(t, 200).Items()); n != 1 {
			t.Fatalf("%d keys listed after the removals, want the owner's 1", n)
		}
	})
}

func TestAPIKeyListPages(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		want := map[string]bool{}
		for range 5 {
			id, _ := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleViewer)
			want[id] = true
		}
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			r := a.do("GET", "/api/v1/workspaces/"+o.WorkspaceID+"/api-keys?limit=2&cursor="+cursor, o.Token, nil).want(t, 200)
			pages++
			for _, it := range r.Items() {
				id := it["id"].(string)
				if seen[id] {
					t.Fatalf("key %s on two pages", id)
				}
				seen[id] = true
			}
			if cursor = r.Str("next_cursor"); cursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if pages != 3 || len(seen) != len(want) {
			t.Fatalf("%d pages, %d keys; want 3 pages, %d keys", pages, len(seen), len(want))
		}
	})
}

// TestAPIKeyAndAuditRoleTable is permissions.md's row "manage API keys; read the
// audit log" for every role, and for a non-member.
func TestAPIKeyAndAuditRoleTable(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		tokens := map[string]string{"owner": o.Token}
		for _, role := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp(string(role))
			a.join(o.WorkspaceID, u, role)
			tokens[string(role)] = u.Token
		}
		tokens["outsider"] = a.signUp("Outsider").Token
		kept := map[string]bool{} // victim key id -> should survive
		for _, tc := range []struct {
			who  string
			want int
		}{
			{"viewer", 403}, {"member", 403}, {"manager", 403}, {"admin", 200}, {"owner", 200}, {"outsider", 404},
		} {
			t.Run(tc.who, func(t *testing.T) {
				tok := tokens[tc.who]
				victim, _ := a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleViewer)
				kept[victim] = tc.want != 200
				created, deleted := tc.want, tc.want
				if tc.want == 200 {
					created, deleted = 201, 204
				}
				a.do("POST", ws+"/api-keys", tok, map[string]any{"name": "k", "role": "viewer"}).want(t, created)
				a.do("GET", ws+"/api-keys", tok, nil).want(t, tc.want)
				a.do("GET", ws+"/audit-log", tok, nil).want(t, tc.want)
				a.do("DELETE", ws+"/api-keys/"+victim, tok, nil).want(t, deleted)
				// The same through an API key of the role (keys are never owner).
				if tc.who != "owner" && tc.who != "outsider" {
					_, key := a.apiKeyFor(o.Token, o.WorkspaceID, sb.Role(tc.who))
					a.do("GET", ws+"/api-keys", key, nil).want(t, tc.want)
					a.do("GET", ws+"/audit-log", key, nil).want(t, tc.want)
				}
			})
		}
		// Refused revocations leave the keys in place.
		listed := map[string]bool{}
		for _, it := range a.do("GET", ws+"/api-keys?limit=200", o.Token, nil).want(t, 200).Items() {
			listed[it["id"].(string)] = true
		}
		for id, keep := range kept {
			if listed[id] != keep {
				t.Errorf("key %s listed=%v, want %v", id, listed[id], keep)
			}
		}
	})
}

// TestAPIKeyInAgencyClientEndsWithAgencyMembership: a key an agency admin made in a
// client (through the inherited role) ends when they leave the agency, unless they
// have a direct role in the client.
func TestAPIKeyInAgencyClientEndsWithAgencyMembership(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		a.setPlan(o.AccountID, "enterprise")
		agency := a.createWorkspace(o.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(o.Token, map[string]any{"name": "Client", "parent_id": agency})
		other := a.createWorkspace(o.Token, map[string]any{"name": "Other client", "parent_id": agency})
		inherited := a.signUp("Inherited")
		direct := a.signUp("Direct")
		a.join(agency, inherited, sb.RoleAdmin)
		a.join(agency, direct, sb.RoleAdmin)
		a.join(client, direct, sb.RoleViewer)
		_, k1 := a.apiKeyFor(inherited.Token, client, sb.RoleAdmin)
		_, k2 := a.apiKeyFor(direct.Token, client, sb.RoleAdmin)
		_, k3 := a.apiKeyFor(o.Token, other, sb.RoleAdmin)
		for _, k := range []string{k1, k2} {
			a.do("GET", "/api/v1/workspaces/"+client, k, nil).want(t, 200)
		}
		a.do("DELETE", "/api/v1/workspaces/"+agency+"/members/"+inherited.ID, o.Token, nil).want(t, 204)
		a.do("DELETE", "/api/v1/workspaces/"+agency+"/members/"+direct.ID, o.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/workspaces/"+client, k1, nil).want(t, 401, "unauthorized")
		a.do("GET", "/api/v1/workspaces/"+client, k2, nil).want(t, 200)
		a.do("GET", "/api/v1/workspaces/"+other, k3, nil).want(t, 200)
	})
}
