package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func callBody(ext, start, end string) map[string]any {
	return map[string]any{
		"external_id": ext, "direction": "outbound", "from": "+14155550100", "to": "+442071838750",
		"started_at": start, "ended_at": end, "outcome": "completed",
		"transcript": []map[string]any{
			{"speaker": "assistant", "text": "Hello, this is Ada.", "at_ms": 0},
			{"speaker": "user", "text": "Hi.", "at_ms": 1500},
		},
		"recording_url": "https://recordings.example.com/" + ext + ".mp3",
	}
}

func TestCallRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		own := a.signUp("Owner")
		a.grant(own.AccountID, 100)
		ws := own.WorkspaceID
		base := "/api/v1/workspaces/" + ws
		id := a.do("POST", base+"/calls", own.Token, callBody("seed", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")).want(t, 201).Str("id")

		users := map[sb.Role]user{sb.RoleOwner: own}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp(string(r))
			a.join(ws, u, r)
			users[r] = u
		}
		outsider := a.signUp("Outsider")
		type check struct {
			method, path string
			body         func(role string) any
			minRole      sb.Role
			okStatus     int
		}
		checks := []check{
			{"GET", base + "/calls", nil, sb.RoleViewer, 200},
			{"GET", base + "/calls/" + id, nil, sb.RoleViewer, 200},
			{"GET", base + "/analytics", nil, sb.RoleViewer, 200},
			{"GET", base + "/calls/" + id + "/conversation", nil, sb.RoleMember, 200},
			{"POST", base + "/calls/authorize", func(string) any { return map[string]any{"estimated_seconds": 60} }, sb.RoleAdmin, 200},
			{"POST", base + "/calls", func(role string) any {
				return callBody("by-"+role, "2026-03-01T08:00:00Z", "2026-03-01T08:00:30Z")
			}, sb.RoleAdmin, 201},
		}
		roles := []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin, sb.RoleOwner}
		for _, c := range checks {
			for _, r := range roles {
				var body any
				if c.body != nil {
					body = c.body(string(r))
				}
				res := a.do(c.method, c.path, users[r].Token, body)
				if r.AtLeast(c.minRole) {
					if res.Status != c.okStatus {
						t.Fatalf("%s %s as %s: %d, want %d: %s", c.method, c.path, r, res.Status, c.okStatus, res.Raw)
					}
				} else {
					res.want(t, 403, "forbidden")
				}
			}
			var body any
			if c.body != nil {
				body = c.body("outsider")
			}
			a.do(c.method, c.path, outsider.Token, body).want(t, 404, "not_found")
		}
	})
}

func TestReportCallAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		own := a.signUp("Owner")
		a.grant(own.AccountID, 10)
		base := "/api/v1/workspaces/" + own.WorkspaceID

		// 61.2 seconds are metered as 62.
		r := a.do("POST", base+"/calls", own.Token, callBody("eng-1", "2026-03-01T08:00:00Z", "2026-03-01T08:01:01.2Z")).want(t, 201)
		if r.Get("duration_seconds") != float64(62) || r.Str("external_id") != "eng-1" || r.Get("transcript") != nil {
			t.Fatalf("call %s", r.Raw)
		}
		id := r.Str("id")
		again := a.do("POST", base+"/calls", own.Token, callBody("eng-1", "2026-03-01T08:00:00Z", "2026-03-01T08:01:01.2Z")).want(t, 200)
		if again.Str("id") != id {
			t.Fatalf("replay answered another call: %s", again.Raw)
		}
		if got := a.do("GET", base, own.Token, nil).want(t, 200).Get("seconds_used"); got != float64(62) {
			t.Fatalf("seconds_used %v, want 62 (replay not debited)", got)
		}
		acct := a.do("GET", "/api/v1/accounts/"+own.AccountID, own.Token, nil).want(t, 200)
		if acct.Get("minutes.balance_seconds") != float64(600-62) {
			t.Fatalf("account %s", acct.Raw)
		}

		got := a.do("GET", base+"/calls/"+id, own.Token, nil).want(t, 200)
		if got.Get("duration_seconds") != float64(62) || got.Str("from") != "+14155550100" || got.Get("transcript") != nil {
			t.Fatalf("call %s", got.Raw)
		}
		conv := a.do("GET", base+"/calls/"+id+"/conversation", own.Token, nil).want(t, 200)
		turns, _ := conv.Get("transcript").([]any)
		if len(turns) != 2 || conv.Str("recording_url") != "https://recordings.example.com/eng-1.mp3" {
			t.Fatalf("conversation %s", conv.Raw)
		}
		a.do("GET", base+"/calls/cal_nope", own.Token, nil).want(t, 404, "not_found")
		bare := callBody("bare", "2026-03-01T08:00:00Z", "2026-03-01T08:00:00Z")
		delete(bare, "transcript")
		delete(bare, "recording_url")
		bareID := a.do("POST", base+"/calls", own.Token, bare).want(t, 201).Str("id")
		empty := a.do("GET", base+"/calls/"+bareID+"/conversation", own.Token, nil).want(t, 200)
		if string(empty.Raw) != "{\"transcript\":[],\"recording_url\":null}\n" {
			t.Fatalf("conversation of a call without one: %s", empty.Raw)
		}

		// A call of another workspace is not found here.
		other := a.signUp("Other")
		a.grant(other.AccountID, 10)
		a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/calls/"+id, other.Token, nil).want(t, 404, "not_found")
		// The same external_id in another workspace is another call.
		a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/calls", other.Token, callBody("eng-1", "2026-03-01T08:00:00Z", "2026-03-01T08:00:10Z")).want(t, 201)

		bad := []struct {
			field string
			value any
			loc   string
		}{
			{"direction", "sideways", "body.direction"},
			{"outcome", "hung_up", "body.outcome"},
			{"from", "4155550100", "body.from"},
			{"to", "+12", "body.to"},
			{"started_at", "yesterday", "body.started_at"},
			{"ended_at", "2026-03-01T07:59:59Z", "body.ended_at"},
			{"ended_at", "2026-03-02T08:00:01Z", "body.ended_at"},
			{"recording_url", "ftp://x.example.com/a", "body.recording_url"},
			{"assistant_id", "ast_missing", "body.assistant_id"},
			{"campaign_id", "cmp_missing", "body.campaign_id"},
			{"contact_id", "cnt_missing", "body.contact_id"},
			{"external_id", "", "body.external_id"},
			{"transcript", []map[string]any{{"speaker": "robot", "text": "x", "at_ms": 0}}, "body.transcript[0].speaker"},
		}
		for i, b := range bad {
			body := callBody(fmt.Sprintf("bad-%d", i), "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")
			body[b.field] = b.value
			res := a.do("POST", base+"/calls", own.Token, body).want(t, 422, "validation_failed")
			errs, _ := res.Body["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["location"] != b.loc {
				t.Fatalf("%s=%v: errors %s, want %s", b.field, b.value, res.Raw, b.loc)
			}
		}
		turns2 := make([]map[string]any, sb.MaxTranscriptTurns+1)
		for i := range turns2 {
			turns2[i] = map[string]any{"speaker": "user", "text": "a", "at_ms": i}
		}
		body := callBody("long", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")
		body["transcript"] = turns2
		a.do("POST", base+"/calls", own.Token, body).want(t, 422, "validation_failed")
		// Nothing invalid was debited.
		if got := a.do("GET", base, own.Token, nil).want(t, 200).Get("seconds_used"); got != float64(62) {
			t.Fatalf("seconds_used %v after refused reports", got)
		}
	})
}

func TestCallListAndAnalyticsAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		own := a.signUp("Owner")
		a.grant(own.AccountID, 100)
		base := "/api/v1/workspaces/" + own.WorkspaceID
		outcomes := []string{"completed", "no_answer", "busy"}
		// 9 calls over three days (the test clock is 2026-03-01 09:00 UTC).
		for i := range 9 {
			day := 26 + i/3
			b := callBody(fmt.Sprintf("c%d", i), fmt.Sprintf("2026-02-%02dT1%d:00:00Z", day, i%3), fmt.Sprintf("2026-02-%02dT1%d:00:10Z", day, i%3))
			b["outcome"] = outcomes[i%3]
			a.do("POST", base+"/calls", own.Token, b).want(t, 201)
		}
		var seen []string
		cursor := ""
		for {
			r := a.do("GET", base+"/calls?limit=4&cursor="+url.QueryEscape(cursor), own.Token, nil).want(t, 200)
			for _, it := range r.Items() {
				seen = append(seen, it["external_id"].(string))
			}
			if cursor = r.Str("next_cursor"); cursor == "" {
				break
			}
		}
		want := []string{"c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1", "c0"}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Fatalf("history %v, want %v", seen, want)
		}
		r := a.do("GET", base+"/calls?outcome=busy&from=2026-02-27T00:00:00Z&to=2026-02-28T23:59:59Z", own.Token, nil).want(t, 200)
		if items := r.Items(); len(items) != 2 || items[0]["external_id"] != "c8" || items[1]["external_id"] != "c5" {
			t.Fatalf("filtered %s", r.Raw)
		}
		a.do("GET", base+"/calls?outcome=maybe", own.Token, nil).want(t, 422, "validation_failed")
		a.do("GET", base+"/calls?from=soon", own.Token, nil).want(t, 422, "validation_failed")
		a.do("GET", base+"/calls?cursor=zzz", own.Token, nil).want(t, 422, "validation_failed")

		an := a.do("GET", base+"/analytics?from=2026-02-26T00:00:00Z&to=2026-03-01T00:00:00Z&interval=day", own.Token, nil).want(t, 200)
		if an.Get("totals.calls") != float64(9) || an.Get("totals.seconds") != float64(90) || an.Get("totals.by_outcome.busy") != float64(3) {
			t.Fatalf("analytics %s", an.Raw)
		}
		series, _ := an.Get("series").([]any)
		if len(series) != 3 {
			t.Fatalf("series %s", an.Raw)
		}
		for _, p := range series {
			if p.(map[string]any)["calls"] != float64(3) {
				t.Fatalf("series %s", an.Raw)
			}
		}
		// The default range is the last 30 days, which holds every call.
		def := a.do("GET", base+"/analytics", own.Token, nil).want(t, 200)
		if def.Get("totals.calls") != float64(9) {
			t.Fatalf("default analytics %s", def.Raw)
		}
		a.do("GET", base+"/analytics?interval=week", own.Token, nil).want(t, 422, "validation_failed")
	})
}

func TestAuthorizeAndUsageAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		own := a.signUp("Owner")
		a.setPlan(own.AccountID, "enterprise")
		base := "/api/v1/workspaces/" + own.WorkspaceID
		a.do("POST", base+"/calls/authorize", own.Token, nil).want(t, 402, "insufficient_minutes")
		a.grant(own.AccountID, 20)
		r := a.do("POST", base+"/calls/authorize", own.Token, map[string]any{}).want(t, 200)
		if r.Get("allowed") != true || r.Get("remaining_seconds") != float64(1200) {
			t.Fatalf("authorize %s", r.Raw)
		}
		agency := a.createWorkspace(own.Token, map[string]any{"name": "Agency", "type": "agency", "minute_budget": 2})
		client := a.createWorkspace(own.Token, map[string]any{"name": "Client", "parent_id": agency, "minute_budget": 1})
		cbase := "/api/v1/workspaces/" + client
		a.do("POST", cbase+"/calls", own.Token, callBody("x", "2026-03-01T08:00:00Z", "2026-03-01T08:01:30Z")).want(t, 201)
		a.do("POST", cbase+"/calls/authorize", own.Token, map[string]any{}).want(t, 402, "insufficient_minutes")
		a.do("POST", "/api/v1/workspaces/"+agency+"/calls/authorize", own.Token, map[string]any{}).want(t, 200)
		u := a.do("GET", "/api/v1/workspaces/"+agency+"/usage", own.Token, nil).want(t, 200)
		if u.Get("seconds_used") != float64(90) || u.Get("remaining_seconds") != float64(30) || u.Get("over_budget") != false {
			t.Fatalf("agency usage %s", u.Raw)
		}
		clients, _ := u.Get("clients").([]any)
		if len(clients) != 1 || clients[0].(map[string]any)["seconds_used"] != float64(90) || clients[0].(map[string]any)["over_budget"] != true {
			t.Fatalf("agency usage %s", u.Raw)
		}
		a.do("POST", "/api/v1/workspaces/"+agency+"/calls", own.Token, callBody("y", "2026-03-01T08:00:00Z", "2026-03-01T08:01:00Z")).want(t, 201)
		a.do("POST", "/api/v1/workspaces/"+agency+"/calls/authorize", own.Token, map[string]any{}).want(t, 402, "insufficient_minutes")
		u = a.do("GET", "/api/v1/workspaces/"+agency+"/usage", own.Token, nil).want(t, 200)
		if u.Get("seconds_used") != float64(150) || u.Get("remaining_seconds") != float64(0) || u.Get("over_budget") != true {
			t.Fatalf("agency usage %s", u.Raw)
		}
		acct := a.do("GET", "/api/v1/accounts/"+own.AccountID, own.Token, nil).want(t, 200)
		if acct.Get("minutes.balance_seconds") != float64(1200-150) {
			t.Fatalf("account %s", acct.Raw)
		}
	})
}
