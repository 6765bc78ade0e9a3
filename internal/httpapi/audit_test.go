package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// readAuditLog reads a workspace's whole audit log, page by page, newest first.
func (a *api) readAuditLog(token, ws, query string) []map[string]any {
	a.t.Helper()
	var out []map[string]any
	cursor := ""
	for range 100 {
		r := a.do("GET", "/api/v1/workspaces/"+ws+"/audit-log?limit=3&cursor="+cursor+query, token, nil).want(a.t, 200)
		out = append(out, r.Items()...)
		if cursor = r.Str("next_cursor"); cursor == "" {
			return out
		}
	}
	a.t.Fatal("audit log pagination does not end")
	return nil
}

func auditActorOf(e map[string]any) (typ, id, email string) {
	m, _ := e["actor"].(map[string]any)
	typ, _ = m["type"].(string)
	id, _ = m["id"].(string)
	email, _ = m["email"].(string)
	return
}

// TestAuditLogRecordsEachChangeOnce makes every kind of workspace change the
// foundation and API keys offer, and refused attempts, then reads the log.
func TestAuditLogRecordsEachChangeOnce(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		adm := a.signUp("Admin")
		mem := a.signUp("Member")
		viewer := a.signUp("Viewer")
		a.join(o.WorkspaceID, adm, sb.RoleAdmin)
		a.join(o.WorkspaceID, mem, sb.RoleMember)
		a.join(o.WorkspaceID, viewer, sb.RoleViewer)
		a.grant(o.AccountID, 100)
		ws := "/api/v1/workspaces/" + o.WorkspaceID

		type want struct{ action, actorType, actorID, email, target string }
		var wants []want // in the order done
		user := func(u user, action, target string) {
			wants = append(wants, want{action, "user", u.ID, u.Email, target})
		}

		a.do("PATCH", ws, o.Token, map[string]any{"description": "Front desk"}).want(t, 200)
		user(o, "workspace.updated", o.WorkspaceID)
		a.do("PUT", ws+"/budget", o.Token, map[string]any{"minute_budget": 10}).want(t, 200)
		user(o, "workspace.budget_changed", o.WorkspaceID)
		a.do("PATCH", ws+"/members/"+mem.ID, adm.Token, map[string]any{"role": "manager"}).want(t, 200)
		user(adm, "member.role_changed", mem.ID)
		// Refused: too low a role, and the owner's role.
		a.do("PATCH", ws+"/members/"+mem.ID, viewer.Token, map[string]any{"role": "admin"}).want(t, 403, "forbidden")
		user(viewer, "member.role_change_refused", mem.ID)
		a.do("PATCH", ws+"/members/"+o.ID, adm.Token, map[string]any{"role": "viewer"}).want(t, 403, "owner_immutable")
		user(adm, "member.role_change_refused", o.ID)
		a.do("DELETE", ws+"/members/"+o.ID, adm.Token, nil).want(t, 403, "owner_immutable")
		user(adm, "member.remove_refused", o.ID)
		a.do("POST", ws+"/ownership", adm.Token, map[string]any{"user_id": adm.ID}).want(t, 403, "forbidden")
		user(adm, "workspace.ownership_transfer_refused", adm.ID)

		keyRes := a.do("POST", ws+"/api-keys", adm.Token, map[string]any{"name": "engine", "role": "admin"}).want(t, 201)
		keyID, key := keyRes.Str("id"), keyRes.Str("key")
		user(adm, "api_key.created", keyID)
		// A change by the key is the key's, with its creator's email.
		a.do("PATCH", ws, key, map[string]any{"name": "Renamed by key"}).want(t, 200)
		wants = append(wants, want{"workspace.updated", "api_key", keyID, adm.Email, o.WorkspaceID})
		a.do("PATCH", ws+"/members/"+viewer.ID, key, map[string]any{"role": "member"}).want(t, 200)
		wants = append(wants, want{"member.role_changed", "api_key", keyID, adm.Email, viewer.ID})
		// A refusal to a key is the key's too.
		mgrRes := a.do("POST", ws+"/api-keys", key, map[string]any{"name": "dashboard", "role": "manager"}).want(t, 201)
		wants = append(wants, want{"api_key.created", "api_key", keyID, adm.Email, mgrRes.Str("id")})
		a.do("PATCH", ws+"/members/"+viewer.ID, mgrRes.Str("key"), map[string]any{"role": "admin"}).want(t, 403, "forbidden")
		wants = append(wants, want{"member.role_change_refused", "api_key", mgrRes.Str("id"), adm.Email, viewer.ID})

		a.do("DELETE", ws+"/members/"+viewer.ID, adm.Token, nil).want(t, 204)
		user(adm, "member.removed", viewer.ID)
		a.do("DELETE", ws+"/members/"+mem.ID, mem.Token, nil).want(t, 204)
		user(mem, "member.left", mem.ID)
		a.do("DELETE", ws+"/api-keys/"+keyID, o.Token, nil).want(t, 204)
		user(o, "api_key.revoked", keyID)
		a.do("POST", ws+"/ownership", o.Token, map[string]any{"user_id": adm.ID}).want(t, 200)
		user(o, "workspace.ownership_transferred", adm.ID)
		a.do("DELETE", ws, adm.Token, nil).want(t, 204)
		user(adm, "workspace.deleted", o.WorkspaceID)
		a.do("POST", ws+"/restore", adm.Token, nil).want(t, 200)
		user(adm, "workspace.restored", o.WorkspaceID)
		// Things that change nothing, or outsiders' attempts, leave nothing.
		a.do("PATCH", ws, adm.Token, map[string]any{"name": "Renamed by key"}).want(t, 200)
		outsider := a.signUp("Outsider")
		a.do("PATCH", ws+"/members/"+o.ID, outsider.Token, map[string]any{"role": "viewer"}).want(t, 404)

		log := a.readAuditLog(adm.Token, o.WorkspaceID, "")
		// The sign-up's workspace.created is the oldest entry.
		if len(log) != len(wants)+1 {
			var got []string
			for _, e := range log {
				got = append(got, e["action"].(string))
			}
			t.Fatalf("%d entries, want %d: %v", len(log), len(wants)+1, got)
		}
		first := log[len(log)-1]
		if typ, id, email := auditActorOf(first); first["action"] != "workspace.created" || typ != "user" || id != o.ID || email != o.Email {
			t.Fatalf("oldest entry: %v", first)
		}
		for i, w := range wants {
			e := log[len(wants)-1-i] // newest first
			typ, id, email := auditActorOf(e)
			if e["action"] != w.action || typ != w.actorType || id != w.actorID || email != w.email || e["target"] != w.target {
				t.Errorf("entry %d: got %v %s/%s/%s target %v; want %+v", i, e["action"], typ, id, email, e["target"], w)
			}
			if e["id"] == "" || e["at"] == nil || e["ip"] == "" || e["details"] == nil {
				t.Errorf("entry %d lacks fields: %v", i, e)
			}
			if ua, _ := e["user_agent"].(string); !strings.HasPrefix(ua, "Go-http-client") {
				t.Errorf("entry %d user_agent %q", i, ua)
			}
		}
		// Details say what changed.
		for _, e := range log {
			d, _ := e["details"].(map[string]any)
			switch e["action"] {
			case "member.role_changed":
				if d["before"] == nil || d["after"] == nil {
					t.Errorf("role change without before/after: %v", e)
				}
			case "api_key.created":
				if d["role"] == nil || d["name"] == nil {
					t.Errorf("api_key.created details: %v", d)
				}
			case "member.role_change_refused":
				if d["code"] == nil {
					t.Errorf("refusal without its reason: %v", d)
				}
			}
		}

		// No secret anywhere in the log.
		raw, _ := json.Marshal(log)
		for name, s := range map[string]string{
			"password": "correct horse battery", "owner token": o.Token, "admin token": adm.Token,
			"member token": mem.Token, "viewer token": viewer.Token, "api key": key,
			"api key body": key[len(key)-20:], "operator token": operatorToken, "manager key": mgrRes.Str("key"),
		} {
			if strings.Contains(string(raw), s) {
				t.Errorf("the audit log contains the %s", name)
			}
		}
	})
}

func TestAuditLogFiltersAndPages(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		adm := a.signUp("Admin")
		a.join(o.WorkspaceID, adm, sb.RoleAdmin)
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		for i := range 4 {
			a.do("PATCH", ws, o.Token, map[string]any{"description": strings.Repeat("o", i+1)}).want(t, 200)
			a.do("PATCH", ws, adm.Token, map[string]any{"description": strings.Repeat("a", i+1)}).want(t, 200)
		}
		a.do("POST", ws+"/api-keys", adm.Token, map[string]any{"name": "k", "role": "viewer"}).want(t, 201)

		all := a.readAuditLog(o.Token, o.WorkspaceID, "")
		if len(all) != 10 {
			t.Fatalf("%d entries, want 10", len(all))
		}
		// Newest first, even within one instant of the test clock.
		if all[0]["action"] != "api_key.created" || all[len(all)-1]["action"] != "workspace.created" {
			t.Fatalf("not newest first: %v ... %v", all[0], all[len(all)-1])
		}
		for i := 1; i < len(all); i++ {
			if all[i-1]["id"].(string) <= all[i]["id"].(string) {
				t.Fatalf("ids not descending at %d", i)
			}
		}
		for i := range 4 {
			d := all[len(all)-2-2*i]["details"].(map[string]any)["description"].(map[string]any)
			if d["after"] != strings.Repeat("o", i+1) {
				t.Fatalf("order of updates: entry %v", d)
			}
		}
		// One page holds the same as walking the pages.
		one := a.do("GET", ws+"/audit-log?limit=200", o.Token, nil).want(t, 200)
		if len(one.Items()) != 10 || one.Str("next_cursor") != "" {
			t.Fatalf("single page: %s", one.Raw)
		}
		for i, it := range one.Items() {
			if it["id"] != all[i]["id"] {
				t.Fatalf("page walk differs at %d", i)
			}
		}

		byAction := a.readAuditLog(o.Token, o.WorkspaceID, "&action=workspace.updated")
		byAdmin := a.readAuditLog(o.Token, o.WorkspaceID, "&actor_id="+adm.ID)
		both := a.readAuditLog(o.Token, o.WorkspaceID, "&action=workspace.updated&actor_id="+adm.ID)
		if len(byAction) != 8 || len(byAdmin) != 5 || len(both) != 4 {
			t.Fatalf("filters: %d by action (want 8), %d by actor (want 5), %d both (want 4)", len(byAction), len(byAdmin), len(both))
		}
		for _, e := range byAdmin {
			if _, id, _ := auditActorOf(e); id != adm.ID {
				t.Fatalf("actor filter let through %v", e)
			}
		}
		if n := len(a.readAuditLog(o.Token, o.WorkspaceID, "&action=nothing.such")); n != 0 {
			t.Fatalf("%d entries for an unknown action", n)
		}
		a.do("GET", ws+"/audit-log?limit=500", o.Token, nil).want(t, 422, "validation_failed")

		// Another workspace's log is its own.
		other := a.signUp("Other")
		if n := len(a.readAuditLog(other.Token, other.WorkspaceID, "")); n != 1 {
			t.Fatalf("other workspace has %d entries, want its own creation only", n)
		}
		// A workspace created through the API starts its log with its creation.
		a.setPlan(other.AccountID, "pro")
		second := a.createWorkspace(other.Token, map[string]any{"name": "Second"})
		log := a.readAuditLog(other.Token, second, "")
		if typ, id, email := auditActorOf(log[0]); len(log) != 1 || log[0]["action"] != "workspace.created" || log[0]["target"] != second ||
			typ != "user" || id != other.ID || email != other.Email {
			t.Fatalf("log of a new workspace: %v", log)
		}
		a.do("GET", ws+"/audit-log", other.Token, nil).want(t, 404, "not_found")
	})
}

func TestAuditLogCannotBeChanged(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		before := a.do("GET", ws+"/audit-log", o.Token, nil).want(t, 200)
		id := before.Items()[0]["id"].(string)
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			for _, p := range []string{ws + "/audit-log", ws + "/audit-log/" + id} {
				r := a.do(m, p, o.Token, map[string]any{"action": "nothing"})
				if r.Status != 404 && r.Status != 405 {
					t.Errorf("%s %s: %d", m, p, r.Status)
				}
			}
		}
		a.do("GET", ws+"/audit-log/"+id, o.Token, nil).want(t, 404)
		after := a.do("GET", ws+"/audit-log", o.Token, nil).want(t, 200)
		if string(after.Raw) != string(before.Raw) {
			t.Fatalf("the log changed:\n%s\n%s", before.Raw, after.Raw)
		}
	})
}

// TestAuditLogConcurrentChanges revokes keys in parallel (revocations take no
// workspace lock): every change gets its entry, none is lost to an id clash.
func TestAuditLogConcurrentChanges(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("Owner")
		ws := "/api/v1/workspaces/" + o.WorkspaceID
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			ids[i], _ = a.apiKeyFor(o.Token, o.WorkspaceID, sb.RoleViewer)
		}
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("DELETE", a.srv.URL+ws+"/api-keys/"+id, nil)
				req.Header.Set("Authorization", "Bearer "+o.Token)
				res, err := a.srv.Client().Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 204 {
				t.Fatalf("revocation %d: status %d", i, st)
			}
		}
		if got := len(a.readAuditLog(o.Token, o.WorkspaceID, "&action=api_key.revoked")); got != n {
			t.Fatalf("%d api_key.revoked entries, want %d", got, n)
		}
	})
}
