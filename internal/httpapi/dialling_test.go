package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/simengine"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const simSecret = "sim-secret-for-tests-0123456789"

// eachDialAPI runs fn against the API whose workspaces dial the simulated engine
// by default (what serve --dev does), with a dialler worker to drive.
func eachDialAPI(t *testing.T, fn func(t *testing.T, a *api, sim *simengine.Engine, w *dialer.Worker)) {
	t.Helper()
	sim, err := simengine.Start("127.0.0.1:0", simengine.Config{Secret: simSecret, Seed: 7, MinTalk: time.Millisecond, MaxTalk: 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var ln net.Listener
	opts := storetest.Options{Configure: func(c *store.Config) {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		c.BaseURL = "http://" + ln.Addr().String()
		c.Engine = dialer.NewClient(true, nil)
		c.DefaultEngineURL, c.DefaultEngineSecret = sim.URL(), simSecret
	}}
	storetest.Each(t, opts, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s,
			Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s, VoiceEngine: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now})
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: validated(t, h)}}
		srv.Start()
		t.Cleanup(srv.Close)
		w := dialer.NewWorker(s, dialer.NewClient(true, nil), dialer.WorkerConfig{})
		fn(t, &api{t: t, srv: srv, store: s, clock: clock}, sim, w)
	})
}

func TestCampaignRunsAgainstTheSimulatedEngine(t *testing.T) {
	eachDialAPI(t, func(t *testing.T, a *api, sim *simengine.Engine, w *dialer.Worker) {
		owner := a.signUp("Olive")
		a.grant(owner.AccountID, 1000)
		ws := "/api/v1/workspaces/" + owner.WorkspaceID
		asst := a.do("POST", ws+"/assistants", owner.Token, map[string]string{"name": "Ava", "first_message": "Hello!"}).want(t, 201).Str("id")
		const n = 12
		for i := range n {
			c := a.do("POST", ws+"/contacts", owner.Token, map[string]any{"first_name": fmt.Sprint("P", i), "phone": fmt.Sprintf("+1415557%04d", i), "tags": []string{"sim"}}).want(t, 201)
			if c.Get("do_not_call") != false {
				t.Fatalf("new contact's do_not_call: %s", c.Raw)
			}
		}
		dnc := a.do("POST", ws+"/contacts", owner.Token, map[string]any{"phone": "+14155579999", "tags": []string{"sim"}, "do_not_call": true}).want(t, 201)
		if dnc.Get("do_not_call") != true {
			t.Fatalf("do_not_call contact: %s", dnc.Raw)
		}
		// Campaign fields: validation, then a valid campaign.
		a.do("POST", ws+"/campaigns", owner.Token, map[string]any{"name": "Bad", "retry": map[string]any{"max_attempts": 11, "delay_minutes": 1, "on_outcomes": []string{"completed"}}}).
			want(t, 422, "validation_failed")
		a.do("POST", ws+"/campaigns", owner.Token, map[string]any{"name": "Bad", "daily_cap": -1}).want(t, 422, "validation_failed")
		days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
		camp := a.do("POST", ws+"/campaigns", owner.Token, map[string]any{"name": "Sim", "assistant_id": asst, "contact_tag": "sim", "max_concurrent_calls": 4,
			"daily_cap": 1000, "retry": map[string]any{"max_attempts": 3, "delay_minutes": 0, "on_outcomes": []string{"no_answer", "busy", "voicemail"}},
			"schedule": map[string]any{"timezone": "UTC", "days": days, "start_time": "00:00", "end_time": "23:59"}}).want(t, 201)
		id := camp.Str("id")
		if camp.Get("daily_cap") != float64(1000) || camp.Get("retry.max_attempts") != float64(3) || camp.Get("paused_reason") != nil || camp.Get("progress.audience") != float64(0) {
			t.Fatalf("campaign: %s", camp.Raw)
		}
		capped := a.do("POST", ws+"/campaigns", owner.Token, map[string]any{"name": "Capped", "daily_cap": 5}).want(t, 201).Str("id")
		if p := a.do("PATCH", ws+"/campaigns/"+capped, owner.Token, map[string]any{"name": "Still capped"}).want(t, 200); p.Get("daily_cap") != float64(5) {
			t.Fatalf("absent daily_cap changed it: %s", p.Raw)
		}
		if p := a.do("PATCH", ws+"/campaigns/"+capped, owner.Token, `{"daily_cap": null}`).want(t, 200); p.Get("daily_cap") != nil {
			t.Fatalf("null daily_cap kept it: %s", p.Raw)
		}
		if p := a.do("PATCH", ws+"/campaigns/"+capped, owner.Token, `{"daily_cap": "lots"}`); p.Status != 422 && p.Status != 400 {
			t.Fatalf("daily_cap as text: %s", p.Raw)
		}
		started := a.do("POST", ws+"/campaigns/"+id+"/start", owner.Token, nil).want(t, 200)
		if started.Get("progress.pending") != float64(n) || started.Get("progress.audience") != float64(n) {
			t.Fatalf("started: %s", started.Raw)
		}
		deadline := time.Now().Add(60 * time.Second)
		var got *resp
		for {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			got = a.do("GET", ws+"/campaigns/"+id, owner.Token, nil).want(t, 200)
			if got.Str("status") == "completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign did not complete: %s", got.Raw)
			}
			time.Sleep(5 * time.Millisecond) // the simulated calls "talk" in real time
		}
		sum := 0.0
		for _, k := range []string{"pending", "in_flight", "completed", "failed", "retry_scheduled", "do_not_call", "cancelled"} {
			sum += got.Get("progress." + k).(float64)
		}
		if sum != n || got.Get("progress.pending") != float64(0) || got.Get("progress.in_flight") != float64(0) {
			t.Fatalf("progress does not add up: %s", got.Raw)
		}
		// Attempts: keyset pages, a status filter, and every completed one has its call.
		var all []map[string]any
		cursor := ""
		for {
			page := a.do("GET", ws+"/campaigns/"+id+"/attempts?limit=5&cursor="+cursor, owner.Token, nil).want(t, 200)
			all = append(all, page.Items()...)
			if cursor = page.Str("next_cursor"); cursor == "" {
				break
			}
		}
		if len(all) < n {
			t.Fatalf("%d attempts for %d contacts", len(all), n)
		}
		for _, at := range all {
			if at["status"] != "completed" || at["call_id"] == nil || at["dispatched_at"] == nil {
				t.Fatalf("attempt %v", at)
			}
		}
		completed := a.do("GET", ws+"/campaigns/"+id+"/attempts?status=completed&limit=200", owner.Token, nil).want(t, 200)
		if len(completed.Items()) != len(all) {
			t.Fatalf("status filter: %d of %d", len(completed.Items()), len(all))
		}
		a.do("GET", ws+"/campaigns/"+id+"/attempts?status=nope", owner.Token, nil).want(t, 422, "validation_failed")
		calls := a.do("GET", ws+"/calls?campaign_id="+id+"&limit=200", owner.Token, nil).want(t, 200)
		if len(calls.Items()) != len(all) {
			t.Fatalf("%d calls for %d attempts", len(calls.Items()), len(all))
		}
		for _, c := range calls.Items() {
			if c["to"] == "+14155579999" {
				t.Fatal("the do-not-call contact was called")
			}
		}
		if u := a.do("GET", ws+"/usage", owner.Token, nil).want(t, 200); u.Get("seconds_used").(float64) <= 0 {
			t.Fatalf("no minutes drained: %s", u.Raw)
		}
		conv := a.do("GET", ws+"/calls/"+calls.Items()[0]["id"].(string)+"/conversation", owner.Token, nil).want(t, 200)
		if conv.Get("transcript") == nil {
			t.Fatalf("conversation: %s", conv.Raw)
		}
	})
}

func TestVoiceEngineEndpoints(t *testing.T) {
	eachDialAPI(t, func(t *testing.T, a *api, sim *simengine.Engine, w *dialer.Worker) {
		owner := a.signUp("Vera")
		member := a.signUp("Mo")
		a.join(owner.WorkspaceID, member, sb.RoleMember)
		outsider := a.signUp("Xan")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/integrations/voice-engine"
		a.do("GET", path, owner.Token, nil).want(t, 404, "not_found")
		a.do("GET", path, member.Token, nil).want(t, 403, "forbidden")
		a.do("GET", path, outsider.Token, nil).want(t, 404, "not_found")
		a.do("PUT", path, member.Token, map[string]any{"url": sim.URL(), "secret": simSecret}).want(t, 403, "forbidden")
		a.do("PUT", path, owner.Token, map[string]any{"url": sim.URL()}).want(t, 422, "validation_failed")
		a.do("PUT", path, owner.Token, map[string]any{"url": "gopher://x", "secret": simSecret}).want(t, 422, "validation_failed")
		put := a.do("PUT", path, owner.Token, map[string]any{"url": sim.URL(), "secret": simSecret}).want(t, 200)
		if put.Str("url") != sim.URL() || put.Get("secret_set") != true || put.Get("inherited_from") != nil || strings.Contains(string(put.Raw), simSecret) {
			t.Fatalf("put: %s", put.Raw)
		}
		if got := a.do("GET", path, owner.Token, nil).want(t, 200); strings.Contains(string(got.Raw), simSecret) || got.Get("secret_set") != true {
			t.Fatalf("get: %s", got.Raw)
		}
		test := a.do("POST", path+"/test", owner.Token, nil).want(t, 200)
		if test.Get("ok") != true || test.Get("status") != float64(200) {
			t.Fatalf("test: %s", test.Raw)
		}
		// Another port without the secret: refused. With a wrong secret the engine
		// refuses the signature: 502 engine_error.
		u := strings.Replace(sim.URL(), "127.0.0.1:", "127.0.0.1:1", 1)
		a.do("PUT", path, owner.Token, map[string]any{"url": u}).want(t, 422, "validation_failed")
		a.do("PUT", path, owner.Token, map[string]any{"url": sim.URL(), "secret": "a-wrong-secret-0123456789"}).want(t, 200)
		a.do("POST", path+"/test", owner.Token, nil).want(t, 502, "engine_error")
		a.do("DELETE", path, member.Token, nil).want(t, 403, "forbidden")
		a.do("DELETE", path, owner.Token, nil).want(t, 204)
		a.do("DELETE", path, owner.Token, nil).want(t, 404, "not_found")
	})
}

func TestReportTokenOverHTTP(t *testing.T) {
	eachDialAPI(t, func(t *testing.T, a *api, sim *simengine.Engine, w *dialer.Worker) {
		owner := a.signUp("Rita")
		a.grant(owner.AccountID, 100)
		ws := "/api/v1/workspaces/" + owner.WorkspaceID
		// The workspace's own engine: a recorder on loopback that never reports.
		var mu sync.Mutex
		var got []string
		rec := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, string(body))
			mu.Unlock()
			rw.WriteHeader(202)
		}))
		t.Cleanup(rec.Close)
		a.do("PUT", ws+"/integrations/voice-engine", owner.Token, map[string]any{"url": rec.URL, "secret": simSecret}).want(t, 200)
		asst := a.do("POST", ws+"/assistants", owner.Token, map[string]string{"name": "Ava"}).want(t, 201).Str("id")
		a.do("POST", ws+"/contacts", owner.Token, map[string]any{"phone": "+14155570001", "tags": []string{"t"}}).want(t, 201)
		id := a.do("POST", ws+"/campaigns", owner.Token, map[string]any{"name": "T", "assistant_id": asst, "contact_tag": "t",
			"schedule": map[string]any{"timezone": "UTC", "days": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "start_time": "00:00", "end_time": "23:59"}}).want(t, 201).Str("id")
		a.do("POST", ws+"/campaigns/"+id+"/start", owner.Token, nil).want(t, 200)
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("engine got %d dispatches", len(got))
		}
		token := between(got[0], `"report_token":"`, `"`)
		dispatch := between(got[0], `"dispatch_id":"`, `"`)
		if !strings.HasPrefix(token, "sbr_") || dispatch == "" {
			t.Fatalf("dispatch body %s", got[0])
		}
		a.do("GET", ws+"/calls", token, nil).want(t, 403, "forbidden")
		a.do("GET", ws+"/campaigns/"+id, token, nil).want(t, 403, "forbidden")
		a.do("GET", "/api/v1/me", token, nil).want(t, 403, "forbidden")
		a.do("POST", ws+"/calls/authorize", token, nil).want(t, 403, "forbidden")
		a.do("POST", "/api/v1/workspaces", token, map[string]string{"name": "No"}).want(t, 403, "forbidden")
		report := map[string]any{"external_id": "x1", "direction": "outbound", "from": "+14155550100", "to": "+14155570001",
			"started_at": "2026-03-01T09:00:00Z", "ended_at": "2026-03-01T09:01:00Z", "outcome": "completed"}
		a.do("POST", ws+"/calls", token, report).want(t, 403, "forbidden")
		report["dispatch_id"] = "dsp_other"
		a.do("POST", ws+"/calls", token, report).want(t, 403, "forbidden")
		report["dispatch_id"] = dispatch
		call := a.do("POST", ws+"/calls", token, report).want(t, 201)
		if call.Str("campaign_id") != id {
			t.Fatalf("call: %s", call.Raw)
		}
		a.do("POST", ws+"/calls", token, report).want(t, 200) // a replay
		att := a.do("GET", ws+"/campaigns/"+id+"/attempts", owner.Token, nil).want(t, 200).Items()
		if len(att) != 1 || att[0]["status"] != "completed" || att[0]["call_id"] != call.Str("id") {
			t.Fatalf("attempts %v", att)
		}
	})
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}
