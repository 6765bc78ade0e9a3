package httpapi_test

import (
	"sync"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// campaignBody is a valid campaign for an assistant, calling contacts tagged vip.
func campaignBody(assistantID string) map[string]any {
	return map[string]any{
		"name": "Spring renewals", "assistant_id": assistantID, "contact_tag": "vip", "max_concurrent_calls": 5,
		"schedule": map[string]any{"timezone": "Europe/Paris", "days": []string{"mon", "tue", "wed"}, "start_time": "09:00", "end_time": "17:30",
			"start_date": "2026-03-02", "end_date": "2026-03-31"},
	}
}

// campaignFixture is a workspace ready to run campaigns: an assistant, contacts
// tagged vip, and minutes in the account.
type campaignFixture struct {
	base, assistant string
}

func (a *api) campaignFixture(u user) campaignFixture {
	a.t.Helper()
	base := "/api/v1/workspaces/" + u.WorkspaceID
	ast := a.do("POST", base+"/assistants", u.Token, map[string]any{"name": "Caller"}).want(a.t, 201).Str("id")
	a.seedTaggedContacts(u.WorkspaceID, "vip", 3)
	return campaignFixture{base: base + "/campaigns", assistant: ast}
}

// campaignIn returns a new campaign of f brought into a state by the owner.
func (a *api) campaignIn(u user, f campaignFixture, state string) string {
	a.t.Helper()
	id := a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(a.t, 201).Str("id")
	steps := map[string][]string{
		sb.CampaignDraft:   nil,
		sb.CampaignRunning: {"start"},
		sb.CampaignPaused:  {"start", "pause"},
		sb.CampaignStopped: {"start", "stop"},
	}[state]
	for _, s := range steps {
		a.do("POST", f.base+"/"+id+"/"+s, u.Token, nil).want(a.t, 200)
	}
	return id
}

func TestCampaignsRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		tm := a.roleTeam()
		a.grant(tm.owner.AccountID, 100)
		f := a.campaignFixture(tm.owner)
		in := func(state string) func() string { return func() string { return a.campaignIn(tm.owner, f, state) } }
		cases := []struct {
			name    string
			min     sb.Role
			success int
			setup   func() string
			call    func(tok, id string) *resp
		}{
			{"list", sb.RoleMember, 200, nil, func(tok, _ string) *resp { return a.do("GET", f.base, tok, nil) }},
			{"create", sb.RoleManager, 201, nil, func(tok, _ string) *resp { return a.do("POST", f.base, tok, campaignBody(f.assistant)) }},
			{"get", sb.RoleMember, 200, in("draft"), func(tok, id string) *resp { return a.do("GET", f.base+"/"+id, tok, nil) }},
			{"update", sb.RoleManager, 200, in("draft"), func(tok, id string) *resp {
				return a.do("PATCH", f.base+"/"+id, tok, map[string]any{"max_concurrent_calls": 9})
			}},
			{"delete", sb.RoleManager, 204, in("draft"), func(tok, id string) *resp { return a.do("DELETE", f.base+"/"+id, tok, nil) }},
			{"start", sb.RoleMember, 200, in("draft"), func(tok, id string) *resp { return a.do("POST", f.base+"/"+id+"/start", tok, nil) }},
			{"pause", sb.RoleMember, 200, in("running"), func(tok, id string) *resp { return a.do("POST", f.base+"/"+id+"/pause", tok, nil) }},
			{"resume", sb.RoleMember, 200, in("paused"), func(tok, id string) *resp { return a.do("POST", f.base+"/"+id+"/resume", tok, nil) }},
			{"stop", sb.RoleMember, 200, in("running"), func(tok, id string) *resp { return a.do("POST", f.base+"/"+id+"/stop", tok, nil) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { checkRoleTable(t, tm, c.min, c.success, c.setup, c.call) })
		}
	})
}

func TestCampaignStateMachine(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		a.grant(u.AccountID, 100)
		f := a.campaignFixture(u)
		// Every action from every state reachable through the API: the new status,
		// or "" for 409 invalid_state.
		want := map[string]map[string]string{
			sb.CampaignDraft:   {"start": "running", "pause": "", "resume": "", "stop": ""},
			sb.CampaignRunning: {"start": "", "pause": "paused", "resume": "", "stop": "stopped"},
			sb.CampaignPaused:  {"start": "", "pause": "", "resume": "running", "stop": "stopped"},
			sb.CampaignStopped: {"start": "", "pause": "", "resume": "", "stop": ""},
		}
		for from, actions := range want {
			for action, to := range actions {
				id := a.campaignIn(u, f, from)
				r := a.do("POST", f.base+"/"+id+"/"+action, u.Token, nil)
				got := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200).Str("status")
				if to == "" {
					if r.Status != 409 || r.Str("code") != "invalid_state" || got != from {
						t.Errorf("%s from %s: %d %s, status now %s; want 409 invalid_state and %s", action, from, r.Status, r.Raw, got, from)
					}
					continue
				}
				if r.Status != 200 || r.Str("status") != to || got != to {
					t.Errorf("%s from %s: %d %s, status now %s; want 200 and %s", action, from, r.Status, r.Raw, got, to)
				}
			}
		}
		// A full life: draft → running → paused → running → paused → stopped.
		id := a.campaignIn(u, f, sb.CampaignDraft)
		for _, step := range []struct{ action, status string }{{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"pause", "paused"}, {"stop", "stopped"}} {
			if s := a.do("POST", f.base+"/"+id+"/"+step.action, u.Token, nil).want(t, 200).Str("status"); s != step.status {
				t.Fatalf("%s: status %s, want %s", step.action, s, step.status)
			}
		}
		a.do("POST", f.base+"/"+id+"/finish", u.Token, nil).want(t, 404, "not_found")
		a.do("POST", f.base+"/cmp_missing/start", u.Token, nil).want(t, 404, "not_found")

		acts := a.auditActionCounts(u.WorkspaceID)
		for _, ev := range []string{"campaign.created", "campaign.started", "campaign.paused", "campaign.resumed", "campaign.stopped"} {
			if acts[ev] == 0 {
				t.Errorf("no %s audit entry: %v", ev, acts)
			}
		}
	})
}

func TestCampaignConcurrentStartsOneWins(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		a.grant(u.AccountID, 100)
		f := a.campaignFixture(u)
		id := a.campaignIn(u, f, sb.CampaignDraft)
		const n = 8
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- a.do("POST", f.base+"/"+id+"/start", u.Token, nil).Status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[200] != 1 || count[409] != n-1 {
			t.Fatalf("concurrent starts answered %v; want one 200 and %d 409", count, n-1)
		}
		if acts := a.auditActionCounts(u.WorkspaceID); acts["campaign.started"] != 1 {
			t.Fatalf("campaign.started recorded %d times", acts["campaign.started"])
		}
	})
}

func TestCampaignStartNeeds(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada") // free plan: no minutes
		f := a.campaignFixture(u)

		noAssistant := campaignBody("")
		delete(noAssistant, "assistant_id")
		id := a.do("POST", f.base, u.Token, noAssistant).want(t, 201).Str("id")
		a.do("POST", f.base+"/"+id+"/start", u.Token, nil).want(t, 422, "validation_failed")

		noContacts := campaignBody(f.assistant)
		noContacts["contact_tag"] = "nobody"
		id = a.do("POST", f.base, u.Token, noContacts).want(t, 201).Str("id")
		a.do("POST", f.base+"/"+id+"/start", u.Token, nil).want(t, 422, "validation_failed")

		id = a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(t, 201).Str("id")
		r := a.do("POST", f.base+"/"+id+"/start", u.Token, nil).want(t, 402, "insufficient_minutes")
		if r.Str("detail") == "" {
			t.Fatal("402 without a sentence")
		}
		if s := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200).Str("status"); s != "draft" {
			t.Fatalf("refused start left status %s", s)
		}
		a.grant(u.AccountID, 10)
		a.do("POST", f.base+"/"+id+"/start", u.Token, nil).want(t, 200)
	})
}

func TestCampaignStartMinuteRules(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		a.setPlan(u.AccountID, "enterprise")
		a.grant(u.AccountID, 10)
		start := func(ws user, status int, code ...string) {
			t.Helper()
			f := a.campaignFixture(ws)
			id := a.do("POST", f.base, ws.Token, campaignBody(f.assistant)).want(t, 201).Str("id")
			a.do("POST", f.base+"/"+id+"/start", ws.Token, nil).want(t, status, code...)
		}
		budget := func(ws string, minutes any) {
			t.Helper()
			a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", u.Token, map[string]any{"minute_budget": minutes}).want(t, 200)
		}
		in := func(ws string) user { v := u; v.WorkspaceID = ws; return v }

		// A workspace whose budget is used up cannot call, whatever the pool holds.
		budget(u.WorkspaceID, 0)
		start(u, 402, "insufficient_minutes")
		budget(u.WorkspaceID, 5)
		start(u, 200)

		// A workspace without a budget draws on the account's unallocated minutes:
		// 10 granted − 5 carved for the first workspace − 5 for another = 0.
		other := a.createWorkspace(u.Token, map[string]any{"name": "Other"})
		budget(other, 5)
		third := a.createWorkspace(u.Token, map[string]any{"name": "Third"})
		start(in(third), 402, "insufficient_minutes")
		budget(other, 4)
		start(in(third), 200)

		// A client without a budget draws on its agency's budget.
		budget(other, nil)
		budget(u.WorkspaceID, nil)
		agency := a.createWorkspace(u.Token, map[string]any{"name": "Agency", "type": "agency", "minute_budget": 0})
		client := a.createWorkspace(u.Token, map[string]any{"name": "Client", "parent_id": agency})
		start(in(client), 402, "insufficient_minutes")
		budget(agency, 3)
		start(in(client), 200)
	})
}

func TestCampaignValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		other := a.signUp("Bob")
		f := a.campaignFixture(u)
		foreign := a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/assistants", other.Token, map[string]any{"name": "Theirs"}).want(t, 201).Str("id")
		with := func(change func(m map[string]any)) map[string]any {
			m := campaignBody(f.assistant)
			change(m)
			return m
		}
		sched := func(k string, v any) func(m map[string]any) {
			return func(m map[string]any) { m["schedule"].(map[string]any)[k] = v }
		}
		for name, c := range map[string]struct {
			body  map[string]any
			field string
		}{
			"no name":           {with(func(m map[string]any) { delete(m, "name") }), "body.name"},
			"foreign assistant": {with(func(m map[string]any) { m["assistant_id"] = foreign }), "body.assistant_id"},
			"unknown assistant": {with(func(m map[string]any) { m["assistant_id"] = "ast_nope" }), "body.assistant_id"},
			"zero concurrency":  {with(func(m map[string]any) { m["max_concurrent_calls"] = 0 }), "body.max_concurrent_calls"},
			"101 concurrency":   {with(func(m map[string]any) { m["max_concurrent_calls"] = 101 }), "body.max_concurrent_calls"},
			"bad timezone":      {with(sched("timezone", "Mars/Olympus")), "body.schedule.timezone"},
			"empty timezone":    {with(sched("timezone", "")), "body.schedule.timezone"},
			"no days":           {with(sched("days", []string{})), "body.schedule.days"},
			"duplicate day":     {with(sched("days", []string{"mon", "mon"})), "body.schedule.days"},
			"unknown day":       {with(sched("days", []string{"funday"})), "body.schedule.days"},
			"bad start time":    {with(sched("start_time", "9:00")), "body.schedule.start_time"},
			"hour 24":           {with(sched("end_time", "24:00")), "body.schedule.end_time"},
			"start after end":   {with(sched("start_time", "18:00")), "body.schedule.end_time"},
			"start equals end":  {with(sched("start_time", "17:30")), "body.schedule.end_time"},
			"bad date":          {with(sched("start_date", "2026-02-30")), "body.schedule.start_date"},
			"end before start":  {with(sched("end_date", "2026-03-01")), "body.schedule.end_date"},
			"status given":      {with(func(m map[string]any) { m["status"] = "running" }), "body.status"},
			"unknown field":     {with(func(m map[string]any) { m["priority"] = 1 }), "body.priority"},
		} {
			r := a.do("POST", f.base, u.Token, c.body)
			if r.Status != 422 || r.Str("code") != "validation_failed" || !fieldErrorAt(r, c.field) {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		r := a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(t, 201)
		if r.Str("status") != "draft" || r.Str("schedule.timezone") != "Europe/Paris" || r.Str("schedule.start_date") != "2026-03-02" ||
			r.Get("max_concurrent_calls") != float64(5) || r.Str("assistant_id") != f.assistant || r.Get("audience_size") != float64(3) {
			t.Fatalf("created campaign: %s", r.Raw)
		}
		id := r.Str("id")
		a.do("PATCH", f.base+"/"+id, u.Token, map[string]any{"status": "running"}).want(t, 422, "validation_failed")
		a.do("PATCH", f.base+"/"+id, u.Token, map[string]any{"assistant_id": foreign}).want(t, 422, "validation_failed")
		if got := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200); got.Str("status") != "draft" || got.Str("assistant_id") != f.assistant {
			t.Fatalf("refused patches changed the campaign: %s", got.Raw)
		}
		// A minimal campaign gets defaults.
		m := a.do("POST", f.base, u.Token, map[string]any{"name": "Minimal"}).want(t, 201)
		if m.Get("assistant_id") != nil || m.Get("max_concurrent_calls") != float64(1) || m.Str("schedule.timezone") != "UTC" || m.Get("audience_size") != float64(0) {
			t.Fatalf("minimal campaign: %s", m.Raw)
		}
	})
}

func TestCampaignAudienceSize(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		other := a.signUp("Bob")
		f := a.campaignFixture(u) // 3 vip
		a.seedTaggedContacts(u.WorkspaceID, "lapsed", 2)
		a.seedTaggedContacts(other.WorkspaceID, "vip", 4) // another workspace's contacts never count
		id := a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(t, 201).Str("id")
		if n := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200).Get("audience_size"); n != float64(3) {
			t.Fatalf("audience of vip: %v, want 3", n)
		}
		if n := a.do("PATCH", f.base+"/"+id, u.Token, map[string]any{"contact_tag": "lapsed"}).want(t, 200).Get("audience_size"); n != float64(2) {
			t.Fatalf("audience of lapsed: %v, want 2", n)
		}
		a.seedTaggedContacts(u.WorkspaceID, "lapsed", 5)
		items := a.do("GET", f.base, u.Token, nil).want(t, 200).Items()
		if len(items) != 1 || items[0]["audience_size"] != float64(7) {
			t.Fatalf("listed audience: %v", items)
		}
	})
}

func TestCampaignEditsOnceStarted(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		a.grant(u.AccountID, 100)
		f := a.campaignFixture(u)
		id := a.campaignIn(u, f, sb.CampaignRunning)
		r := a.do("PATCH", f.base+"/"+id, u.Token, map[string]any{"name": "Renamed", "max_concurrent_calls": 20}).want(t, 200)
		if r.Str("name") != "Renamed" || r.Get("max_concurrent_calls") != float64(20) || r.Str("status") != "running" {
			t.Fatalf("edit of a running campaign: %s", r.Raw)
		}
		for name, body := range map[string]map[string]any{
			"tag":       {"contact_tag": "other"},
			"assistant": {"assistant_id": ""},
			"schedule":  {"schedule": map[string]any{"timezone": "UTC", "days": []string{"sat"}, "start_time": "10:00", "end_time": "11:00"}},
		} {
			if r := a.do("PATCH", f.base+"/"+id, u.Token, body); r.Status != 409 || r.Str("code") != "invalid_state" {
				t.Errorf("%s on a running campaign: %d %s", name, r.Status, r.Raw)
			}
		}
		// The assistant a campaign uses cannot be deleted.
		a.do("DELETE", "/api/v1/workspaces/"+u.WorkspaceID+"/assistants/"+f.assistant, u.Token, nil).want(t, 409, "invalid_state")
		a.do("DELETE", f.base+"/"+id, u.Token, nil).want(t, 204)
		a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 404, "not_found")
		a.do("DELETE", "/api/v1/workspaces/"+u.WorkspaceID+"/assistants/"+f.assistant, u.Token, nil).want(t, 204)

		acts := a.auditActionCounts(u.WorkspaceID)
		for _, ev := range []string{"campaign.updated", "campaign.deleted", "assistant.deleted"} {
			if acts[ev] != 1 {
				t.Errorf("audit %s: %d entries (%v)", ev, acts[ev], acts)
			}
		}
	})
}

func TestCampaignIsolation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Ada")
		other := a.signUp("Bob")
		a.grant(other.AccountID, 100)
		f := a.campaignFixture(u)
		id := a.do("POST", f.base, u.Token, campaignBody(f.assistant)).want(t, 201).Str("id")
		obase := "/api/v1/workspaces/" + other.WorkspaceID + "/campaigns/"
		a.do("GET", obase+id, other.Token, nil).want(t, 404, "not_found")
		a.do("PATCH", obase+id, other.Token, map[string]any{"name": "x"}).want(t, 404, "not_found")
		for _, act := range []string{"start", "pause", "resume", "stop"} {
			a.do("POST", obase+id+"/"+act, other.Token, nil).want(t, 404, "not_found")
		}
		a.do("DELETE", obase+id, other.Token, nil).want(t, 404, "not_found")
		// Nor can Bob's campaign use Ada's assistant.
		a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/campaigns", other.Token, campaignBody(f.assistant)).want(t, 422, "validation_failed")
		if got := a.do("GET", f.base+"/"+id, u.Token, nil).want(t, 200); got.Str("status") != "draft" || got.Str("name") != "Spring renewals" {
			t.Fatalf("campaign touched from another workspace: %s", got.Raw)
		}
	})
}
