package httpapi_test

import (
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestWorkspacePlanLimits(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Owner")
		// free: one workspace, no agency.
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Second"}).want(t, 403, "plan_limit_reached")
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Agency", "type": "agency"}).want(t, 403, "plan_required")

		a.setPlan(u.AccountID, "pro")
		for i := 0; i < 9; i++ {
			a.createWorkspace(u.Token, map[string]any{"name": " Spaced name ", "description": "d"})
		}
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Eleventh"}).want(t, 403, "plan_limit_reached")
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Agency", "type": "agency"}).want(t, 403, "plan_required")

		list := a.do("GET", "/api/v1/workspaces", u.Token, nil).want(t, 200)
		if n := len(list.Items()); n != 10 {
			t.Fatalf("%d workspaces listed, want 10", n)
		}
		if list.Items()[1]["name"] != "Spaced name" {
			t.Fatalf("name not trimmed: %v", list.Items()[1]["name"])
		}
		// Pagination walks the same ten.
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			r := a.do("GET", "/api/v1/workspaces?limit=3&cursor="+cursor, u.Token, nil).want(t, 200)
			for _, it := range r.Items() {
				seen[it["id"].(string)] = true
			}
			cursor = r.Str("next_cursor")
			if cursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 10 {
			t.Fatalf("paging saw %d workspaces, want 10", len(seen))
		}
		a.do("GET", "/api/v1/workspaces?limit=500", u.Token, nil).want(t, 422, "validation_failed")

		a.setPlan(u.AccountID, "enterprise")
		a.createWorkspace(u.Token, map[string]any{"name": "Agency", "type": "agency"})
	})
}

func TestWorkspaceValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Val")
		a.setPlan(u.AccountID, "enterprise")
		long := make([]byte, 101)
		for i := range long {
			long[i] = 'x'
		}
		for name, body := range map[string]map[string]any{
			"empty name":     {"name": "   "},
			"long name":      {"name": string(long)},
			"bad type":       {"name": "x", "type": "huge"},
			"negative":       {"name": "x", "minute_budget": -1},
			"agency nesting": {"name": "x", "type": "agency", "parent_id": u.WorkspaceID},
		} {
			r := a.do("POST", "/api/v1/workspaces", u.Token, body)
			if r.Status != 422 || r.Str("code") != "validation_failed" {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		// A parent that is not an agency.
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "c", "parent_id": u.WorkspaceID}).want(t, 422, "validation_failed")
		// Nothing was created.
		if n := len(a.do("GET", "/api/v1/workspaces", u.Token, nil).Items()); n != 1 {
			t.Fatalf("refused creations left %d workspaces", n)
		}
		a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"name": ""}).want(t, 422)
		r := a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"name": "Renamed", "description": "About"}).want(t, 200)
		if r.Str("name") != "Renamed" || r.Str("description") != "About" {
			t.Fatalf("patch: %s", r.Raw)
		}
	})
}

func TestWorkspaceGetShape(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Shape")
		r := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, nil).want(t, 200)
		for _, f := range []string{"id", "account_id", "name", "type", "description", "parent_id", "owner_id", "role", "minute_budget", "seconds_used", "created_at"} {
			if _, ok := r.Body[f]; !ok {
				t.Errorf("workspace lacks %q: %s", f, r.Raw)
			}
		}
		if r.Str("owner_id") != u.ID || r.Str("role") != "owner" || r.Str("account_id") != u.AccountID {
			t.Fatalf("workspace: %s", r.Raw)
		}
		if _, err := time.Parse(time.RFC3339, r.Str("created_at")); err != nil {
			t.Fatalf("created_at: %v", err)
		}
		stranger := a.signUp("Stranger")
		a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID, stranger.Token, nil).want(t, 404, "not_found")
		a.do("GET", "/api/v1/workspaces/ws_does_not_exist", u.Token, nil).want(t, 404, "not_found")
	})
}

func TestAgencyClientsAndInheritance(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Boss")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})

		admin, manager, clientOnly := a.signUp("Admin"), a.signUp("Manager"), a.signUp("ClientOnly")
		a.join(agency, admin, sb.RoleAdmin)
		a.join(agency, manager, sb.RoleManager)

		// An agency admin creates a client; the account owner owns it.
		r := a.do("POST", "/api/v1/workspaces", admin.Token, map[string]any{"name": "Client A", "parent_id": agency}).want(t, 201)
		client := r.Str("id")
		if r.Str("owner_id") != owner.ID || r.Str("parent_id") != agency || r.Str("type") != "simple" || r.Str("role") != "admin" {
			t.Fatalf("client: %s", r.Raw)
		}
		// A manager may not create clients; an outsider does not see the agency.
		a.do("POST", "/api/v1/workspaces", manager.Token, map[string]any{"name": "Client B", "parent_id": agency}).want(t, 403, "forbidden")
		a.do("POST", "/api/v1/workspaces", clientOnly.Token, map[string]any{"name": "Client B", "parent_id": agency}).want(t, 404, "not_found")
		// Admins of the agency may not assign budgets (billing is the owner's).
		a.do("POST", "/api/v1/workspaces", admin.Token, map[string]any{"name": "Client B", "parent_id": agency, "minute_budget": 0}).want(t, 403, "forbidden")

		// Inheritance: the manager is manager in the client; a direct higher role wins.
		a.do("GET", "/api/v1/workspaces/"+client, manager.Token, nil).want(t, 200)
		if role := a.do("GET", "/api/v1/workspaces/"+client, manager.Token, nil).Str("role"); role != "manager" {
			t.Fatalf("inherited role %q, want manager", role)
		}
		a.join(client, manager, sb.RoleAdmin)
		if role := a.do("GET", "/api/v1/workspaces/"+client, manager.Token, nil).Str("role"); role != "admin" {
			t.Fatalf("effective role %q, want admin (the higher)", role)
		}
		a.join(client, clientOnly, sb.RoleViewer)

		members := a.do("GET", "/api/v1/workspaces/"+client+"/members", clientOnly.Token, nil).want(t, 200).Items()
		byID := map[string]map[string]any{}
		for _, m := range members {
			byID[m["user_id"].(string)] = m
		}
		if m := byID[admin.ID]; m == nil || m["role"] != "admin" || m["inherited"] != true {
			t.Fatalf("agency admin in client members: %v", m)
		}
		if m := byID[manager.ID]; m == nil || m["role"] != "admin" || m["inherited"] != false {
			t.Fatalf("manager with direct admin: %v", m)
		}
		if m := byID[owner.ID]; m == nil || m["role"] != "owner" {
			t.Fatalf("owner in client members: %v", m)
		}

		// Client members never see the agency, nor other clients.
		a.do("GET", "/api/v1/workspaces/"+agency, clientOnly.Token, nil).want(t, 404)
		a.do("GET", "/api/v1/workspaces/"+agency+"/clients", clientOnly.Token, nil).want(t, 404)
		other := a.createWorkspace(owner.Token, map[string]any{"name": "Client B", "parent_id": agency})
		a.do("GET", "/api/v1/workspaces/"+other, clientOnly.Token, nil).want(t, 404)
		list := a.do("GET", "/api/v1/workspaces", clientOnly.Token, nil).Items()
		if len(list) != 2 { // their own first workspace and Client A
			t.Fatalf("client member lists %d workspaces: %v", len(list), list)
		}

		clients := a.do("GET", "/api/v1/workspaces/"+agency+"/clients", manager.Token, nil).want(t, 200).Items()
		if len(clients) != 2 {
			t.Fatalf("agency lists %d clients, want 2", len(clients))
		}
		// Agency members see the clients in their list with inherited roles.
		mine := a.do("GET", "/api/v1/workspaces", admin.Token, nil).Items()
		roles := map[string]string{}
		for _, w := range mine {
			roles[w["id"].(string)] = w["role"].(string)
		}
		if roles[agency] != "admin" || roles[client] != "admin" || roles[other] != "admin" {
			t.Fatalf("admin's workspaces: %v", roles)
		}

		// Inherited roles cannot be changed or removed in the client.
		a.do("PATCH", "/api/v1/workspaces/"+client+"/members/"+admin.ID, owner.Token, map[string]any{"role": "viewer"}).want(t, 409, "invalid_state")
		a.do("DELETE", "/api/v1/workspaces/"+client+"/members/"+admin.ID, owner.Token, nil).want(t, 409, "invalid_state")

		// Removing the admin from the agency ends their access to clients at once.
		a.do("DELETE", "/api/v1/workspaces/"+agency+"/members/"+admin.ID, owner.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/workspaces/"+client, admin.Token, nil).want(t, 404)
	})
}

func TestDeleteAndRestore(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Del")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client", "parent_id": agency})
		admin := a.signUp("Adm")
		a.join(agency, admin, sb.RoleAdmin)

		a.do("DELETE", "/api/v1/workspaces/"+agency, admin.Token, nil).want(t, 403, "forbidden")
		a.do("DELETE", "/api/v1/workspaces/"+agency, owner.Token, nil).want(t, 409, "has_clients")
		a.do("DELETE", "/api/v1/workspaces/"+agency+"?cascade=true", owner.Token, nil).want(t, 204)

		// Gone for everyone but the owner, who still sees it.
		a.do("GET", "/api/v1/workspaces/"+agency, admin.Token, nil).want(t, 404)
		a.do("GET", "/api/v1/workspaces/"+client, admin.Token, nil).want(t, 404)
		if r := a.do("GET", "/api/v1/workspaces/"+agency, owner.Token, nil).want(t, 200); r.Get("deleted_at") == nil {
			t.Fatalf("owner's view of a deleted workspace lacks deleted_at: %s", r.Raw)
		}
		a.do("PATCH", "/api/v1/workspaces/"+agency, owner.Token, map[string]any{"name": "x"}).want(t, 404)
		for _, w := range a.do("GET", "/api/v1/workspaces", owner.Token, nil).Items() {
			if w["id"] == agency || w["id"] == client {
				t.Fatalf("deleted workspace listed: %v", w)
			}
		}
		// The client cannot come back before its agency.
		a.do("POST", "/api/v1/workspaces/"+client+"/restore", owner.Token, nil).want(t, 409, "invalid_state")

		a.clock.Advance(29 * 24 * time.Hour)
		a.do("POST", "/api/v1/workspaces/"+agency+"/restore", admin.Token, nil).want(t, 404)
		a.do("POST", "/api/v1/workspaces/"+agency+"/restore", owner.Token, nil).want(t, 200)
		a.do("GET", "/api/v1/workspaces/"+client, admin.Token, nil).want(t, 200)
		a.do("POST", "/api/v1/workspaces/"+agency+"/restore", owner.Token, nil).want(t, 409, "invalid_state")

		// After 30 days a deletion is final.
		a.do("DELETE", "/api/v1/workspaces/"+client, owner.Token, nil).want(t, 204)
		a.clock.Advance(31 * 24 * time.Hour)
		a.logIn(&owner)
		a.do("GET", "/api/v1/workspaces/"+client, owner.Token, nil).want(t, 404)
		a.do("POST", "/api/v1/workspaces/"+client+"/restore", owner.Token, nil).want(t, 404)
	})
}

func TestBudgets(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Budget")
		a.setPlan(owner.AccountID, "enterprise")
		// No minutes in the pool: no budget can be carved.
		a.do("POST", "/api/v1/workspaces", owner.Token, map[string]any{"name": "A", "minute_budget": 10}).want(t, 402, "insufficient_minutes")
		a.grant(owner.AccountID, 100)

		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency", "minute_budget": 60})
		acc := a.do("GET", "/api/v1/accounts/"+owner.AccountID, owner.Token, nil).want(t, 200)
		if acc.Get("minutes.balance_seconds").(float64) != 6000 || acc.Get("minutes.unallocated_seconds").(float64) != 2400 || acc.Get("minutes.allocated_minutes").(float64) != 60 {
			t.Fatalf("account minutes: %s", acc.Raw)
		}
		// Clients are carved from the agency's 60 minutes.
		c1 := a.createWorkspace(owner.Token, map[string]any{"name": "C1", "parent_id": agency, "minute_budget": 40})
		a.do("POST", "/api/v1/workspaces", owner.Token, map[string]any{"name": "C2", "parent_id": agency, "minute_budget": 21}).want(t, 402, "insufficient_minutes")
		c2 := a.createWorkspace(owner.Token, map[string]any{"name": "C2", "parent_id": agency, "minute_budget": 20})
		// The agency cannot go below what its clients hold.
		a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", owner.Token, map[string]any{"minute_budget": 59}).want(t, 402, "insufficient_minutes")
		a.do("PUT", "/api/v1/workspaces/"+c1+"/budget", owner.Token, map[string]any{"minute_budget": 10}).want(t, 200)
		a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", owner.Token, map[string]any{"minute_budget": 30}).want(t, 200)
		// The account's unallocated minutes bound a top-level budget: 100 − 30 = 70.
		a.do("POST", "/api/v1/workspaces", owner.Token, map[string]any{"name": "Big", "minute_budget": 71}).want(t, 402, "insufficient_minutes")
		big := a.createWorkspace(owner.Token, map[string]any{"name": "Big", "minute_budget": 70})
		// Removing a budget frees it.
		r := a.do("PUT", "/api/v1/workspaces/"+big+"/budget", owner.Token, map[string]any{"minute_budget": nil}).want(t, 200)
		if r.Get("minute_budget") != nil {
			t.Fatalf("budget not removed: %s", r.Raw)
		}
		a.do("PUT", "/api/v1/workspaces/"+big+"/budget", owner.Token, map[string]any{"minute_budget": -5}).want(t, 422, "validation_failed")

		u := a.do("GET", "/api/v1/workspaces/"+agency+"/usage", owner.Token, nil).want(t, 200)
		if u.Get("minute_budget").(float64) != 30 || u.Get("remaining_seconds").(float64) != 1800 || u.Get("over_budget") != false {
			t.Fatalf("usage: %s", u.Raw)
		}
		clients := u.Get("clients").([]any)
		if len(clients) != 2 {
			t.Fatalf("usage clients: %s", u.Raw)
		}
		_ = c2

		// Billing is the owner's alone.
		admin := a.signUp("Admin")
		a.join(agency, admin, sb.RoleAdmin)
		a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", admin.Token, map[string]any{"minute_budget": 10}).want(t, 403, "forbidden")
		a.do("GET", "/api/v1/workspaces/"+agency+"/usage", admin.Token, nil).want(t, 403, "forbidden")
		a.do("GET", "/api/v1/accounts/"+owner.AccountID, admin.Token, nil).want(t, 404, "not_found")
	})
}

func TestOperatorAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Op")
		a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", "", map[string]any{"plan": "pro"}).want(t, 401)
		a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", u.Token, map[string]any{"plan": "pro"}).want(t, 401)
		a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", operatorToken, map[string]any{"plan": "platinum"}).want(t, 422)
		a.do("PUT", "/api/v1/operator/accounts/acc_missing/plan", operatorToken, map[string]any{"plan": "pro"}).want(t, 404)
		r := a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", operatorToken, map[string]any{"plan": "pro"}).want(t, 200)
		if r.Str("plan") != "pro" || r.Get("limits.max_workspaces").(float64) != 10 {
			t.Fatalf("plan: %s", r.Raw)
		}
		a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", operatorToken, map[string]any{"minutes": 0}).want(t, 422)
		a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", operatorToken, map[string]any{"minutes": 5, "note": "trial"}).want(t, 201)
		acc := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.balance_seconds").(float64) != 300 {
			t.Fatalf("balance: %s", acc.Raw)
		}
	})
}

func TestBudgetBodyMustNameTheBudget(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Body")
		a.grant(owner.AccountID, 10)
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/budget"
		a.do("PUT", path, owner.Token, map[string]any{"minute_budget": 5}).want(t, 200)
		// A body without the field changes nothing; null removes the budget.
		r := a.do("PUT", path, owner.Token, map[string]any{}).want(t, 422, "validation_failed")
		if r.Get("errors").([]any)[0].(map[string]any)["location"] != "body.minute_budget" {
			t.Fatalf("errors: %s", r.Raw)
		}
		if b := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID, owner.Token, nil).Get("minute_budget"); b != float64(5) {
			t.Fatalf("budget after a refused PUT: %v", b)
		}
		a.do("PUT", path, owner.Token, map[string]any{"minute_budget": "five"}).want(t, 422, "validation_failed")
		a.do("PUT", path, owner.Token, map[string]any{"minute_budget": 5, "extra": 1}).want(t, 422, "validation_failed")
		r = a.do("PUT", path, owner.Token, map[string]any{"minute_budget": nil}).want(t, 200)
		if r.Get("minute_budget") != nil {
			t.Fatalf("null did not remove the budget: %s", r.Raw)
		}
	})
}
