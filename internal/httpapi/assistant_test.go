package httpapi_test

import (
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestAssistantsRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		tm := a.roleTeam()
		owner := tm.owner.Token
		newAssistant := func() string {
			return a.do("POST", tm.path("/assistants"), owner, map[string]any{"name": "Receptionist"}).want(t, 201).Str("id")
		}
		t.Run("list", func(t *testing.T) {
			checkRoleTable(t, tm, sb.RoleMember, 200, nil, func(tok, _ string) *resp { return a.do("GET", tm.path("/assistants"), tok, nil) })
		})
		t.Run("create", func(t *testing.T) {
			checkRoleTable(t, tm, sb.RoleAdmin, 201, nil, func(tok, _ string) *resp {
				return a.do("POST", tm.path("/assistants"), tok, map[string]any{"name": "New"})
			})
		})
		t.Run("get", func(t *testing.T) {
			checkRoleTable(t, tm, sb.RoleMember, 200, newAssistant, func(tok, id string) *resp { return a.do("GET", tm.path("/assistants/"+id), tok, nil) })
		})
		t.Run("update", func(t *testing.T) {
			checkRoleTable(t, tm, sb.RoleAdmin, 200, newAssistant, func(tok, id string) *resp {
				return a.do("PATCH", tm.path("/assistants/"+id), tok, map[string]any{"voice": "alloy"})
			})
		})
		t.Run("delete", func(t *testing.T) {
			checkRoleTable(t, tm, sb.RoleAdmin, 204, newAssistant, func(tok, id string) *resp { return a.do("DELETE", tm.path("/assistants/"+id), tok, nil) })
		})
	})
}

func TestAssistantCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/assistants"
		r := a.do("POST", base, u.Token, map[string]any{
			"name": "  Front desk ", "first_message": "Hello!", "system_prompt": "Be kind.", "voice": "alloy", "language": "en-us", "model": "gpt-4o",
		}).want(t, 201)
		id := r.Str("id")
		if r.Str("name") != "Front desk" || r.Str("language") != "en-US" || r.Str("first_message") != "Hello!" ||
			r.Str("system_prompt") != "Be kind." || r.Str("voice") != "alloy" || r.Str("model") != "gpt-4o" || r.Str("created_at") == "" || r.Str("updated_at") == "" {
			t.Fatalf("created assistant: %s", r.Raw)
		}
		a.clock.Advance(60e9)
		r = a.do("PATCH", base+"/"+id, u.Token, map[string]any{"language": "fr", "first_message": ""}).want(t, 200)
		if r.Str("language") != "fr" || r.Str("first_message") != "" || r.Str("name") != "Front desk" || r.Str("updated_at") == r.Str("created_at") {
			t.Fatalf("patched assistant: %s", r.Raw)
		}
		got := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200)
		if got.Str("language") != "fr" || got.Str("system_prompt") != "Be kind." {
			t.Fatalf("read back: %s", got.Raw)
		}
		a.do("DELETE", base+"/"+id, u.Token, nil).want(t, 204)
		a.do("GET", base+"/"+id, u.Token, nil).want(t, 404, "not_found")
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"name": "x"}).want(t, 404, "not_found")
		a.do("DELETE", base+"/"+id, u.Token, nil).want(t, 404, "not_found")
		acts := a.auditActionCounts(u.WorkspaceID)
		for _, want := range []string{"assistant.created", "assistant.updated", "assistant.deleted"} {
			if acts[want] != 1 {
				t.Errorf("audit %s: %d entries, want 1 (%v)", want, acts[want], acts)
			}
		}
	})
}

func TestAssistantValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/assistants"
		for name, c := range map[string]struct {
			body  any
			field string
		}{
			"no name":        {map[string]any{"voice": "alloy"}, "body.name"},
			"blank name":     {map[string]any{"name": "   "}, "body.name"},
			"long name":      {map[string]any{"name": strings.Repeat("n", 101)}, "body.name"},
			"bad language":   {map[string]any{"name": "A", "language": "english"}, "body.language"},
			"underscore tag": {map[string]any{"name": "A", "language": "en_US"}, "body.language"},
			"unknown lang":   {map[string]any{"name": "A", "language": "xx-YY"}, "body.language"},
			"huge prompt":    {map[string]any{"name": "A", "system_prompt": strings.Repeat("p", sb.MaxSystemPrompt+1)}, "body.system_prompt"},
			"long voice":     {map[string]any{"name": "A", "voice": strings.Repeat("v", 101)}, "body.voice"},
			"unknown field":  {map[string]any{"name": "A", "temperature": 1}, "body.temperature"},
			"wrong type":     {map[string]any{"name": 5}, "body.name"},
		} {
			r := a.do("POST", base, u.Token, c.body)
			if r.Status != 422 || r.Str("code") != "validation_failed" || !fieldErrorAt(r, c.field) {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		a.do("POST", base, u.Token, map[string]any{"name": "A", "system_prompt": strings.Repeat("p", sb.MaxSystemPrompt)}).want(t, 201)
		id := a.do("POST", base, u.Token, map[string]any{"name": "B"}).want(t, 201).Str("id")
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"name": ""}).want(t, 422, "validation_failed")
		a.do("PATCH", base+"/"+id, u.Token, map[string]any{"language": "not a tag"}).want(t, 422, "validation_failed")
		if got := a.do("GET", base+"/"+id, u.Token, nil).want(t, 200); got.Str("name") != "B" || got.Str("language") != "" {
			t.Fatalf("refused patches changed the assistant: %s", got.Raw)
		}
	})
}

func TestAssistantsPaginationAndIsolation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		other := a.signUp("Bob")
		base := "/api/v1/workspaces/" + u.WorkspaceID + "/assistants"
		ids := map[string]bool{}
		for i := 0; i < 5; i++ {
			ids[a.do("POST", base, u.Token, map[string]any{"name": "A"}).want(t, 201).Str("id")] = true
			a.clock.Advance(1e6)
		}
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			r := a.do("GET", base+"?limit=2&cursor="+cursor, u.Token, nil).want(t, 200)
			pages++
			for _, it := range r.Items() {
				id := it["id"].(string)
				if seen[id] {
					t.Fatalf("assistant %s listed twice", id)
				}
				seen[id] = true
			}
			cursor = r.Str("next_cursor")
			if cursor == "" {
				break
			}
		}
		if len(seen) != 5 || pages != 3 {
			t.Fatalf("paged %d assistants in %d pages, want 5 in 3", len(seen), pages)
		}
		// Bob's workspace sees none of them, and Ada's ids do not work in Bob's path.
		obase := "/api/v1/workspaces/" + other.WorkspaceID + "/assistants"
		if n := len(a.do("GET", obase, other.Token, nil).want(t, 200).Items()); n != 0 {
			t.Fatalf("other workspace lists %d assistants", n)
		}
		for id := range ids {
			a.do("GET", obase+"/"+id, other.Token, nil).want(t, 404, "not_found")
			a.do("PATCH", obase+"/"+id, other.Token, map[string]any{"name": "stolen"}).want(t, 404, "not_found")
			a.do("DELETE", obase+"/"+id, other.Token, nil).want(t, 404, "not_found")
		}
		if n := len(a.do("GET", base, u.Token, nil).want(t, 200).Items()); n != 5 {
			t.Fatalf("after the other workspace's attempts: %d assistants, want 5", n)
		}
	})
}

// fieldErrorAt reports whether a validation answer names the field.
func fieldErrorAt(r *resp, location string) bool {
	errs, _ := r.Get("errors").([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["location"] == location {
			return true
		}
	}
	return false
}
