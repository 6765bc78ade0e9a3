package httpapi_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestWorkflowsRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		tm := a.roleTeam()
		owner := tm.owner.Token
		newWorkflow := func() string {
			id := a.do("POST", tm.path("/workflows"), owner, map[string]any{"name": "Flow", "definition": map[string]any{"steps": []any{}}}).want(t, 201).Str("id")
			a.do("POST", tm.path("/workflows/"+id+"/deploy"), owner, nil).want(t, 201)
			return id
		}
		cases := []struct {
			name    string
			min     sb.Role
			success int
			setup   func() string
			call    func(tok, id string) *resp
		}{
			{"list", sb.RoleMember, 200, nil, func(tok, _ string) *resp { return a.do("GET", tm.path("/workflows"), tok, nil) }},
			{"create", sb.RoleAdmin, 201, nil, func(tok, _ string) *resp {
				return a.do("POST", tm.path("/workflows"), tok, map[string]any{"name": "N", "definition": map[string]any{}})
			}},
			{"get", sb.RoleMember, 200, newWorkflow, func(tok, id string) *resp { return a.do("GET", tm.path("/workflows/"+id), tok, nil) }},
			{"versions", sb.RoleMember, 200, newWorkflow, func(tok, id string) *resp { return a.do("GET", tm.path("/workflows/"+id+"/versions"), tok, nil) }},
			{"update", sb.RoleAdmin, 200, newWorkflow, func(tok, id string) *resp {
				return a.do("PATCH", tm.path("/workflows/"+id), tok, map[string]any{"definition": map[string]any{"v": 2}})
			}},
			{"deploy", sb.RoleAdmin, 201, newWorkflow, func(tok, id string) *resp { return a.do("POST", tm.path("/workflows/"+id+"/deploy"), tok, nil) }},
			{"delete", sb.RoleAdmin, 204, newWorkflow, func(tok, id string) *resp { return a.do("DELETE", tm.path("/workflows/"+id), tok, nil) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { checkRoleTable(t, tm, c.min, c.success, c.setup, c.call) })
		}
	})
}

func TestWorkflowDraftDeployVersions(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/workflows"
		r := a.do("POST", base, u.Token, map[string]any{"name": "Inbound", "definition": map[string]any{"start": "greet", "nodes": []any{"greet"}}}).want(t, 201)
		id := r.Str("id")
		if r.Get("latest_version") != nil || r.Str("name") != "Inbound" || r.Get("definition.start") != "greet" {
			t.Fatalf("created workflow: %s", r.Raw)
		}
		a.do("GET", base+"/"+id+"/versions", u.Token, nil).want(t, 200)
		if n := len(a.do("GET", base+"/"+id+"/versions", u.Token, nil).Items()); n != 0 {
			t.Fatalf("%d versions before any deploy", n)
		}

		a.clock.Advance(60e9)
		d1 := a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 201)
		if d1.Get("version") != float64(1) || d1.Str("deployed_by") != u.ID || d1.Str("deployed_at") != "2026-03-01T09:01:00Z" {
			t.Fatalf("first deploy: %s", d1.Raw)
		}
		// Editing the draft changes neither the deployed version nor its number.
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"definition": map[string]any{"start": "ask"}}).want(t, 200)
		got := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200)
		if got.Get("definition.start") != "ask" || got.Get("latest_version") != float64(1) || got.Str("name") != "Inbound" {
			t.Fatalf("after editing the draft: %s", got.Raw)
		}
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"name": "Inbound v2"}).want(t, 200)
		a.clock.Advance(60e9)
		d2 := a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 201)
		if d2.Get("version") != float64(2) {
			t.Fatalf("second deploy: %s", d2.Raw)
		}
		vs := a.do("GET", base+"/"+id+"/versions", u.Token, nil).want(t, 200).Items()
		if len(vs) != 2 || vs[0]["version"] != float64(2) || vs[1]["version"] != float64(1) {
			t.Fatalf("versions, newest first: %v", vs)
		}
		if vs[0]["definition"].(map[string]any)["start"] != "ask" || vs[1]["definition"].(map[string]any)["start"] != "greet" {
			t.Fatalf("versions keep their frozen definitions: %v", vs)
		}
		if got := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200); got.Get("latest_version") != float64(2) || got.Str("name") != "Inbound v2" {
			t.Fatalf("latest version: %s", got.Raw)
		}

		// Deleting removes the workflow and its versions.
		a.do("DELETE", base+"/"+id, u.Token, nil).want(t, 204)
		a.do("GET", base+"/"+id, u.Token, nil).want(t, 404, "not_found")
		a.do("GET", base+"/"+id+"/versions", u.Token, nil).want(t, 404, "not_found")
		a.do("POST", base+"/"+id+"/deploy", u.Token, nil).want(t, 404, "not_found")
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"name": "x"}).want(t, 404, "not_found")
		a.do("DELETE", base+"/"+id, u.Token, nil).want(t, 404, "not_found")
		if n := len(a.do("GET", base, u.Token, nil).want(t, 200).Items()); n != 0 {
			t.Fatalf("%d workflows listed after delete", n)
		}

		acts := a.auditActionCounts(u.WorkspaceID)
		for want, n := range map[string]int{"workflow.created": 1, "workflow.updated": 2, "workflow.deployed": 2, "workflow.deleted": 1} {
			if acts[want] != n {
				t.Errorf("audit %s: %d entries, want %d (%v)", want, acts[want], n, acts)
			}
		}
	})
}

func TestWorkflowConcurrentDeploysGetDistinctNumbers(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/workflows"
		id := a.do("POST", base, u.Token, map[string]any{"name": "Busy"}).want(t, 201).Str("id")
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []int
		errs := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := a.do("POST", base+"/"+id+"/deploy", u.Token, nil)
				if r.Status != 201 {
					errs <- fmt.Sprintf("deploy: %d %s", r.Status, r.Raw)
					return
				}
				mu.Lock()
				got = append(got, int(r.Get("version").(float64)))
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		sort.Ints(got)
		for i, v := range got {
			if v != i+1 {
				t.Fatalf("concurrent deploys got versions %v, want 1..%d each once", got, n)
			}
		}
		vs := a.do("GET", base+"/"+id+"/versions", u.Token, nil).want(t, 200).Items()
		if len(vs) != n || vs[0]["version"] != float64(n) {
			t.Fatalf("%d versions listed, newest %v", len(vs), vs[0]["version"])
		}
	})
}

func TestWorkflowValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/workflows"
		big := `{"blob":"` + strings.Repeat("x", sb.MaxWorkflowDefinition) + `"}`
		for name, c := range map[string]struct {
			body  string
			field string
		}{
			"no name":            {`{"definition":{}}`, "body.name"},
			"array definition":   {`{"name":"F","definition":[1,2]}`, "body.definition"},
			"string definition":  {`{"name":"F","definition":"steps"}`, "body.definition"},
			"number definition":  {`{"name":"F","definition":7}`, "body.definition"},
			"too big definition": {`{"name":"F","definition":` + big + `}`, "body.definition"},
		} {
			r := a.do("POST", base, u.Token, c.body)
			if r.Status != 422 || r.Str("code") != "validation_failed" || !fieldErrorAt(r, c.field) {
				t.Errorf("%s: %d %.300s", name, r.Status, r.Raw)
			}
		}
		r := a.do("POST", base, u.Token, map[string]any{"name": "Empty"}).want(t, 201)
		if string(marshalJSON(r.Get("definition"))) != "{}" {
			t.Fatalf("default definition: %s", r.Raw)
		}
		id := r.Str("id")
		a.do("PATCH", base+"/"+id, u.Token, `{"definition":[]}`).want(t, 422, "validation_failed")
		a.do("PATCH", base+"/"+id, u.Token, `{"name":""}`).want(t, 422, "validation_failed")
		nested := map[string]any{"a": map[string]any{"b": []any{1, "two", nil, true}}}
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"definition": nested}).want(t, 200)
		got := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200)
		if string(marshalJSON(got.Get("definition"))) != string(marshalJSON(nested)) {
			t.Fatalf("definition round trip: %s", got.Raw)
		}
	})
}

func TestWorkflowIsolation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		other := a.signUp("Bob")
		id := a.do("POST", "/api/v1/workspaces/"+u.WorkspaceID+"/workflows", u.Token, map[string]any{"name": "Mine"}).want(t, 201).Str("id")
		obase := "/api/v1/workspaces/" + other.WorkspaceID + "/workflows/" + id
		a.do("GET", obase, other.Token, nil).want(t, 404, "not_found")
		a.do("PATCH", obase, other.Token, map[string]any{"name": "x"}).want(t, 404, "not_found")
		a.do("POST", obase+"/deploy", other.Token, nil).want(t, 404, "not_found")
		a.do("GET", obase+"/versions", other.Token, nil).want(t, 404, "not_found")
		a.do("DELETE", obase, other.Token, nil).want(t, 404, "not_found")
		got := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID+"/workflows/"+id, u.Token, nil).want(t, 200)
		if got.Str("name") != "Mine" || got.Get("latest_version") != nil {
			t.Fatalf("workflow touched from another workspace: %s", got.Raw)
		}
	})
}

func marshalJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
