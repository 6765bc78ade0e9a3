package httpapi_test

import (
	"testing"
)

// An agency's analytics say what its usage says: its clients' calls roll up into
// its totals, series and assistants, with a per-client breakdown; a client's
// analytics stay its own.
func TestAgencyAnalyticsRollUp(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		own := a.signUp("Owner")
		a.setPlan(own.AccountID, "enterprise")
		a.grant(own.AccountID, 100)
		agency := a.createWorkspace(own.Token, map[string]any{"name": "Agency", "type": "agency"})
		c1 := a.createWorkspace(own.Token, map[string]any{"name": "Bakery", "parent_id": agency})
		c2 := a.createWorkspace(own.Token, map[string]any{"name": "Alpha Dental", "parent_id": agency})
		other := a.createWorkspace(own.Token, map[string]any{"name": "Elsewhere", "type": "simple"})
		ws := func(id string) string { return "/api/v1/workspaces/" + id }
		asst := a.do("POST", ws(c1)+"/assistants", own.Token, map[string]any{"name": "Receptionist"}).want(t, 201).Str("id")

		report := func(w, ext, start, end, outcome string, assistant string) {
			b := callBody(ext, start, end)
			b["outcome"] = outcome
			if assistant != "" {
				b["assistant_id"] = assistant
			}
			a.do("POST", ws(w)+"/calls", own.Token, b).want(t, 201)
		}
		report(agency, "a1", "2026-02-27T10:00:00Z", "2026-02-27T10:00:10Z", "completed", "")
		report(c1, "b1", "2026-02-27T11:00:00Z", "2026-02-27T11:01:00Z", "completed", asst)
		report(c1, "b2", "2026-02-28T11:00:00Z", "2026-02-28T11:00:30Z", "busy", asst)
		report(c2, "d1", "2026-02-28T12:00:00Z", "2026-02-28T12:00:05Z", "no_answer", "")
		report(other, "e1", "2026-02-28T12:00:00Z", "2026-02-28T12:10:00Z", "completed", "")

		q := "/analytics?from=2026-02-27T00:00:00Z&to=2026-03-01T00:00:00Z"
		an := a.do("GET", ws(agency)+q, own.Token, nil).want(t, 200)
		if an.Get("totals.calls") != float64(4) || an.Get("totals.seconds") != float64(105) || an.Get("totals.by_outcome.busy") != float64(1) ||
			an.Get("own.calls") != float64(1) || an.Get("own.seconds") != float64(10) {
			t.Fatalf("agency analytics %s", an.Raw)
		}
		series := an.Get("series").([]any)
		if len(series) != 2 || series[0].(map[string]any)["calls"] != float64(2) || series[1].(map[string]any)["calls"] != float64(2) ||
			series[0].(map[string]any)["by_outcome"].(map[string]any)["completed"] != float64(2) ||
			series[1].(map[string]any)["by_outcome"].(map[string]any)["busy"] != float64(1) ||
			series[1].(map[string]any)["by_outcome"].(map[string]any)["no_answer"] != float64(1) {
			t.Fatalf("series %s", an.Raw)
		}
		clients := an.Get("clients").([]any)
		if len(clients) != 2 {
			t.Fatalf("clients %s", an.Raw)
		}
		first, second := clients[0].(map[string]any), clients[1].(map[string]any)
		if first["name"] != "Alpha Dental" || first["calls"] != float64(1) || first["workspace_id"] != c2 ||
			second["name"] != "Bakery" || second["calls"] != float64(2) || second["seconds"] != float64(90) ||
			second["by_outcome"].(map[string]any)["busy"] != float64(1) {
			t.Fatalf("clients %s", an.Raw)
		}
		byAsst := an.Get("by_assistant").([]any)
		if len(byAsst) != 1 || byAsst[0].(map[string]any)["name"] != "Receptionist" || byAsst[0].(map[string]any)["workspace_id"] != c1 ||
			byAsst[0].(map[string]any)["calls"] != float64(2) {
			t.Fatalf("by_assistant %s", an.Raw)
		}
		// The usage says the same number of seconds.
		if u := a.do("GET", ws(agency)+"/usage", own.Token, nil).want(t, 200); u.Get("seconds_used") != an.Get("totals.seconds") {
			t.Fatalf("usage %s vs analytics %s", u.Raw, an.Raw)
		}
		// A client's analytics are its own.
		cl := a.do("GET", ws(c1)+q, own.Token, nil).want(t, 200)
		if cl.Get("totals.calls") != float64(2) || len(cl.Get("clients").([]any)) != 0 || cl.Get("own.calls") != float64(2) {
			t.Fatalf("client analytics %s", cl.Raw)
		}
		// A deleted client's calls still count in the agency's (they count in its usage).
		a.do("DELETE", ws(c2), own.Token, nil).want(t, 204)
		an = a.do("GET", ws(agency)+q, own.Token, nil).want(t, 200)
		if an.Get("totals.calls") != float64(4) || an.Get("clients").([]any)[0].(map[string]any)["deleted"] != true {
			t.Fatalf("after delete %s", an.Raw)
		}
	})
}
