package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// engineSecret signs the dispatches of the test engine.
const engineSecret = "test-engine-secret-0123456789"

// dispatchReq is a dispatch as the engine reads it.
type dispatchReq struct {
	Key         string `json:"-"`
	Type        string `json:"type"`
	DispatchID  string `json:"dispatch_id"`
	WorkspaceID string `json:"workspace_id"`
	CampaignID  string `json:"campaign_id"`
	Attempt     int64  `json:"attempt"`
	Contact     struct {
		ID    string `json:"id"`
		Phone string `json:"phone"`
	} `json:"contact"`
	Assistant struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"assistant"`
	ReportURL   string `json:"report_url"`
	ReportToken string `json:"report_token"`
	MaxDuration *int64 `json:"max_duration_seconds"`
}

// engine is a real voice engine on loopback: it verifies signatures, takes
// dispatches (deduplicating by Idempotency-Key), and keeps the calls it took open
// until the test reports them.
type engine struct {
	srv *httptest.Server
	now func() time.Time

	mu      sync.Mutex
	status  func(n int, d dispatchReq) int // the answer to the nth request (default 202)
	reqs    []dispatchReq                  // every request, duplicates included
	taken   map[string]dispatchReq         // by dispatch id
	open    map[string]dispatchReq         // taken and not yet reported
	maxOpen int
	badSig  int
}

func startEngine(t testing.TB, now func() time.Time) *engine {
	e := &engine{now: now, taken: map[string]dispatchReq{}, open: map[string]dispatchReq{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *engine) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := dialer.Verify(engineSecret, r.Header.Get(dialer.SignatureHeader), body, e.now(), 5*time.Minute); err != nil {
		e.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var d dispatchReq
	if err := json.Unmarshal(body, &d); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	d.Key = r.Header.Get("Idempotency-Key")
	e.reqs = append(e.reqs, d)
	status := http.StatusAccepted
	if e.status != nil {
		status = e.status(len(e.reqs), d)
	}
	if status >= 200 && status < 300 && d.Type == "call.requested" {
		if _, dup := e.taken[d.DispatchID]; !dup {
			e.taken[d.DispatchID] = d
			e.open[d.DispatchID] = d
			e.maxOpen = max(e.maxOpen, len(e.open))
		}
	}
	w.WriteHeader(status)
}

// openCalls returns the calls taken and not yet reported, by dispatch id.
func (e *engine) openCalls() []dispatchReq {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []dispatchReq
	for _, d := range e.open {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DispatchID < out[j].DispatchID })
	return out
}

// report reports a taken call through the store with its report token.
func (e *engine) report(t testing.TB, s *store.Store, d dispatchReq, outcome string, seconds int) *sb.Call {
	t.Helper()
	ctx := context.Background()
	actor, err := s.Authenticate(ctx, d.ReportToken)
	if err != nil {
		t.Fatalf("report token of %s: %v", d.DispatchID, err)
	}
	in := callIn("ext-"+d.DispatchID, e.now().Add(-time.Duration(seconds)*time.Second), seconds)
	in.To, in.Outcome, in.DispatchID = d.Contact.Phone, outcome, &d.DispatchID
	c, _, err := s.ReportCall(ctx, actor, d.WorkspaceID, in)
	if err != nil {
		t.Fatalf("report %s: %v", d.DispatchID, err)
	}
	e.mu.Lock()
	delete(e.open, d.DispatchID)
	e.mu.Unlock()
	return c
}

func allDays() *sb.Schedule {
	return &sb.Schedule{Timezone: "UTC", Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, StartTime: "00:00", EndTime: "23:59"}
}

// dialling is one campaign ready to start against a test engine.
type dialling struct {
	s         *store.Store
	actor     sb.Actor
	account   string
	ws        string
	campaign  string
	contacts  []string
	eng       *engine
	worker    *dialer.Worker
	clock     *storetest.Clock
	assistant string
	engineURL string
}

func engineOpts() storetest.Options {
	return storetest.Options{Configure: func(c *store.Config) { c.Engine = dialer.NewClient(true, c.Now) }}
}

// setupDialling creates a workspace with minutes, an engine, n tagged contacts and
// a draft campaign (edited by mod) over them.
func setupDialling(t *testing.T, s *store.Store, clock *storetest.Clock, n int, mod func(*sb.CampaignInput)) *dialling {
	t.Helper()
	ctx := context.Background()
	d := &dialling{s: s, clock: clock}
	d.actor, d.account, d.ws = owner(t, s)
	grant(t, s, d.account, 10_000)
	d.eng = startEngine(t, clock.Now)
	d.engineURL = d.eng.srv.URL + "/dispatch"
	sec := engineSecret
	if _, err := s.PutVoiceEngine(ctx, d.actor, d.ws, sb.VoiceEngineInput{URL: d.engineURL, Secret: &sec}); err != nil {
		t.Fatal(err)
	}
	var err error
	if d.assistant, err = s.InsertAssistantForTest(ctx, d.ws, "Ava"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c, err := s.CreateContact(ctx, d.actor, d.ws, sb.ContactInput{FirstName: fmt.Sprint("C", i), Phone: fmt.Sprintf("+1415555%04d", i), Tags: []string{"lead"}})
		if err != nil {
			t.Fatal(err)
		}
		d.contacts = append(d.contacts, c.ID)
	}
	name, tag, maxc := "Spring", "lead", int64(3)
	in := sb.CampaignInput{Name: &name, AssistantID: &d.assistant, ContactTag: &tag, MaxConcurrentCalls: &maxc, Schedule: allDays()}
	if mod != nil {
		mod(&in)
	}
	c, err := s.CreateCampaign(ctx, d.actor, d.ws, in)
	if err != nil {
		t.Fatal(err)
	}
	d.campaign = c.ID
	d.worker = dialer.NewWorker(s, dialer.NewClient(true, clock.Now), dialer.WorkerConfig{Batch: 100})
	return d
}

func (d *dialling) act(t testing.TB, action string) *sb.Campaign {
	t.Helper()
	c, err := d.s.ChangeCampaignState(context.Background(), d.actor, d.ws, d.campaign, action)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return c
}

func (d *dialling) get(t testing.TB) *sb.Campaign {
	t.Helper()
	c, err := d.s.GetCampaign(context.Background(), d.actor, d.ws, d.campaign)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (d *dialling) round(t testing.TB) int {
	t.Helper()
	n, err := d.worker.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *dialling) attempts(t testing.TB, status string) []sb.Attempt {
	t.Helper()
	var out []sb.Attempt
	cursor := ""
	for {
		page, next, err := d.s.ListAttempts(context.Background(), d.actor, d.ws, d.campaign, sb.AttemptFilter{Status: status, Page: sb.Page{Limit: 7, Cursor: cursor}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func checkProgress(t testing.TB, c *sb.Campaign, want sb.Progress) {
	t.Helper()
	if c.Progress != want {
		t.Fatalf("progress = %+v, want %+v", c.Progress, want)
	}
}

func TestDiallerCallsEveryContactOnceWithinConcurrency(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		d := setupDialling(t, s, clock, 17, nil)
		c := d.act(t, sb.CampaignStart)
		checkProgress(t, c, sb.Progress{Audience: 17, Pending: 17})
		for i := 0; i < 100 && d.get(t).Status == sb.CampaignRunning; i++ {
			d.round(t)
			open := d.eng.openCalls()
			if len(open) > 3 {
				t.Fatalf("%d calls in flight, max_concurrent_calls is 3", len(open))
			}
			// Report some of the open calls, so that slots free unevenly.
			for j, call := range open {
				if j%2 == 0 {
					d.eng.report(t, s, call, "completed", 30)
				}
			}
			if len(open) == 1 {
				d.eng.report(t, s, open[0], "completed", 30)
			}
		}
		c = d.get(t)
		if c.Status != sb.CampaignCompleted {
			t.Fatalf("status = %s, want completed; progress %+v", c.Status, c.Progress)
		}
		checkProgress(t, c, sb.Progress{Audience: 17, Completed: 17})
		if d.eng.maxOpen > 3 || d.eng.maxOpen < 2 {
			t.Fatalf("engine saw at most %d calls at once, want 2..3", d.eng.maxOpen)
		}
		if d.eng.badSig != 0 {
			t.Fatalf("%d dispatches with bad signatures", d.eng.badSig)
		}
		seen := map[string]int{}
		for _, r := range d.eng.reqs {
			seen[r.Contact.ID]++
			if r.Key != r.DispatchID || r.CampaignID != d.campaign || r.WorkspaceID != d.ws || r.Attempt != 1 || r.Assistant.ID != d.assistant ||
				!strings.HasSuffix(r.ReportURL, "/api/v1/workspaces/"+d.ws+"/calls") || len(r.ReportToken) < 40 || r.ReportToken[:4] != "sbr_" || r.MaxDuration == nil || *r.MaxDuration <= 0 {
				t.Fatalf("dispatch %+v", r)
			}
		}
		for _, id := range d.contacts {
			if seen[id] != 1 {
				t.Fatalf("contact %s dispatched %d times", id, seen[id])
			}
		}
		atts := d.attempts(t, sb.AttemptCompleted)
		if len(atts) != 17 || atts[0].CallID == nil || atts[0].DispatchedAt == nil {
			t.Fatalf("completed attempts: %d, first %+v", len(atts), atts[0])
		}
		calls := allCalls(t, s, d.actor, d.ws)
		if len(calls) != 17 || calls[0].CampaignID == nil || *calls[0].CampaignID != d.campaign || calls[0].ContactID == nil {
			t.Fatalf("calls: %d, first %+v", len(calls), calls[0])
		}
		if w := workspace(t, s, d.actor, d.ws); w.SecondsUsed != 17*30 {
			t.Fatalf("seconds used %d", w.SecondsUsed)
		}
		// A completed campaign stays completed: the dialler sends nothing more.
		if n := d.round(t); n != 0 {
			t.Fatalf("%d dispatches after completion", n)
		}
	})
}

func TestDiallerRetriesAndDoNotCall(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 4, func(in *sb.CampaignInput) {
			maxc := int64(10)
			in.MaxConcurrentCalls = &maxc
			in.Retry = &sb.Retry{MaxAttempts: 2, DelayMinutes: 10, OnOutcomes: []string{"no_answer", "busy"}}
		})
		// Contact 3 asks never to be called before the campaign starts; it is not in
		// the snapshot.
		yes := true
		if _, err := s.UpdateContact(ctx, d.actor, d.ws, d.contacts[3], sb.UpdateContactInput{DoNotCall: &yes}); err != nil {
			t.Fatal(err)
		}
		c := d.act(t, sb.CampaignStart)
		checkProgress(t, c, sb.Progress{Audience: 3, Pending: 3})
		if n := d.round(t); n != 3 {
			t.Fatalf("first round sent %d, want 3", n)
		}
		byContact := map[string]dispatchReq{}
		for _, call := range d.eng.openCalls() {
			byContact[call.Contact.ID] = call
		}
		d.eng.report(t, s, byContact[d.contacts[0]], "no_answer", 0)
		d.eng.report(t, s, byContact[d.contacts[1]], sb.OutcomeDoNotCall, 12)
		d.eng.report(t, s, byContact[d.contacts[2]], "voicemail", 20)
		checkProgress(t, d.get(t), sb.Progress{Audience: 3, RetryScheduled: 1, DoNotCall: 1, Completed: 1})
		if got, err := s.GetContact(ctx, d.actor, d.ws, d.contacts[1]); err != nil || !got.DoNotCall {
			t.Fatalf("contact after do_not_call outcome: %+v %v", got, err)
		}
		// The retry waits for its delay.
		if n := d.round(t); n != 0 {
			t.Fatalf("%d dispatches before the retry delay", n)
		}
		clock.Advance(10 * time.Minute)
		if n := d.round(t); n != 1 {
			t.Fatalf("%d dispatches after the delay, want 1", n)
		}
		retry := d.eng.openCalls()[0]
		if retry.Contact.ID != d.contacts[0] || retry.Attempt != 2 || retry.DispatchID == byContact[d.contacts[0]].DispatchID {
			t.Fatalf("retry dispatch %+v", retry)
		}
		d.eng.report(t, s, retry, "busy", 0)
		// Retries used up on a retryable outcome: failed.
		checkProgress(t, d.get(t), sb.Progress{Audience: 3, Failed: 1, DoNotCall: 1, Completed: 1})
		d.round(t)
		if c := d.get(t); c.Status != sb.CampaignCompleted {
			t.Fatalf("status %s", c.Status)
		}
		if len(d.attempts(t, "")) != 4 {
			t.Fatalf("attempts: %+v", d.attempts(t, ""))
		}
		// A second campaign over the same tag skips both do-not-call contacts.
		name, tag := "Again", "lead"
		c2, err := s.CreateCampaign(ctx, d.actor, d.ws, sb.CampaignInput{Name: &name, AssistantID: &d.assistant, ContactTag: &tag, Schedule: allDays()})
		if err != nil {
			t.Fatal(err)
		}
		c2, err = s.ChangeCampaignState(ctx, d.actor, d.ws, c2.ID, sb.CampaignStart)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Progress.Audience != 2 {
			t.Fatalf("second campaign's audience %+v", c2.Progress)
		}
		// A contact marked do-not-call after the start is never dialled.
		if _, err := s.UpdateContact(ctx, d.actor, d.ws, d.contacts[0], sb.UpdateContactInput{DoNotCall: &yes}); err != nil {
			t.Fatal(err)
		}
		before := len(d.eng.reqs)
		d.round(t)
		for _, r := range d.eng.reqs[before:] {
			if r.Contact.ID == d.contacts[0] || r.Contact.ID == d.contacts[1] || r.Contact.ID == d.contacts[3] {
				t.Fatalf("dialled a do-not-call contact: %+v", r)
			}
		}
		c2, _ = s.GetCampaign(ctx, d.actor, d.ws, c2.ID)
		if c2.Progress.DoNotCall != 1 || c2.Progress.InFlight != 1 {
			t.Fatalf("second campaign's progress %+v", c2.Progress)
		}
	})
}

func TestDiallerPausesWhenMinutesRunOut(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 5, func(in *sb.CampaignInput) {
			one := int64(1)
			in.MaxConcurrentCalls = &one
		})
		budget := int64(1)
		if _, err := s.SetBudget(ctx, d.actor, d.ws, sb.BudgetInput{MinuteBudget: &budget, Given: true}); err != nil {
			t.Fatal(err)
		}
		d.act(t, sb.CampaignStart)
		if n := d.round(t); n != 1 {
			t.Fatalf("sent %d", n)
		}
		first := d.eng.openCalls()[0]
		if first.MaxDuration == nil || *first.MaxDuration != 60 {
			t.Fatalf("max_duration_seconds %v, want the budget's 60", first.MaxDuration)
		}
		d.eng.report(t, s, first, "completed", 60)
		for range 3 {
			if n := d.round(t); n != 0 {
				t.Fatalf("dispatched %d after the budget ran out", n)
			}
		}
		c := d.get(t)
		if c.Status != sb.CampaignPaused || c.PausedReason == nil || *c.PausedReason != "insufficient_minutes" {
			t.Fatalf("campaign %s %v", c.Status, c.PausedReason)
		}
		if len(d.eng.reqs) != 1 {
			t.Fatalf("engine got %d requests", len(d.eng.reqs))
		}
		entries, _, err := s.ListAudit(ctx, d.actor, d.ws, sb.AuditFilter{Action: "campaign.paused"})
		if err != nil || len(entries) != 1 || entries[0].Actor.Type != "system" || !strings.Contains(string(entries[0].Details), `"reason":"insufficient_minutes"`) {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		// Resumed by hand with minutes again, it goes on.
		budget = 10
		if _, err := s.SetBudget(ctx, d.actor, d.ws, sb.BudgetInput{MinuteBudget: &budget, Given: true}); err != nil {
			t.Fatal(err)
		}
		if c := d.act(t, sb.CampaignResume); c.PausedReason != nil {
			t.Fatalf("paused_reason after resume: %v", *c.PausedReason)
		}
		if n := d.round(t); n != 1 {
			t.Fatalf("sent %d after resume", n)
		}
	})
}

func TestDiallerPauseStopAndLateReports(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		d := setupDialling(t, s, clock, 6, func(in *sb.CampaignInput) {
			two := int64(2)
			in.MaxConcurrentCalls = &two
		})
		d.act(t, sb.CampaignStart)
		d.round(t)
		d.act(t, sb.CampaignPause)
		open := d.eng.openCalls()
		d.eng.report(t, s, open[0], "completed", 10) // calls in flight finish and count
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d while paused", n)
		}
		checkProgress(t, d.get(t), sb.Progress{Audience: 6, Pending: 4, InFlight: 1, Completed: 1})
		d.act(t, sb.CampaignResume)
		if n := d.round(t); n != 1 {
			t.Fatalf("dispatched %d after resume, want 1", n)
		}
		c := d.act(t, sb.CampaignStop)
		checkProgress(t, c, sb.Progress{Audience: 6, Cancelled: 3, InFlight: 2, Completed: 1})
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d after stop", n)
		}
		for _, call := range d.eng.openCalls() {
			d.eng.report(t, s, call, "no_answer", 0) // late: recorded, no state change
		}
		d.round(t)
		c = d.get(t)
		if c.Status != sb.CampaignStopped {
			t.Fatalf("status %s after late reports", c.Status)
		}
		checkProgress(t, c, sb.Progress{Audience: 6, Cancelled: 3, Completed: 3})
		if got := len(d.attempts(t, sb.AttemptCancelled)); got != 3 {
			t.Fatalf("cancelled attempts %d", got)
		}
	})
}

func TestDiallerWindowAndDailyCap(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		// The clock starts Sunday 2026-03-01 09:00 UTC = 04:00 in New York.
		d := setupDialling(t, s, clock, 5, func(in *sb.CampaignInput) {
			five := int64(5)
			in.MaxConcurrentCalls, in.DailyCap = &five, sb.Int(2)
			in.Schedule = &sb.Schedule{Timezone: "America/New_York", Days: []string{"sun", "mon"}, StartTime: "08:00", EndTime: "20:00"}
		})
		d.act(t, sb.CampaignStart)
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d outside the window", n)
		}
		clock.Advance(4 * time.Hour) // 08:00 New York
		if n := d.round(t); n != 2 {
			t.Fatalf("dispatched %d, want the daily cap of 2", n)
		}
		for _, call := range d.eng.openCalls() {
			d.eng.report(t, s, call, "completed", 5)
		}
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d past the daily cap", n)
		}
		if c := d.get(t); c.Status != sb.CampaignRunning {
			t.Fatalf("status %s at the cap", c.Status)
		}
		clock.Advance(16 * time.Hour) // Monday 00:00 New York: a new day, before the window
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d before Monday's window", n)
		}
		clock.Advance(9 * time.Hour) // Monday 09:00
		if n := d.round(t); n != 2 {
			t.Fatalf("dispatched %d on the next day, want 2", n)
		}
	})
}

func TestDiallerSendRetriesAndRefusals(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		d := setupDialling(t, s, clock, 2, func(in *sb.CampaignInput) {
			one := int64(1)
			in.MaxConcurrentCalls = &one
		})
		d.eng.status = func(n int, r dispatchReq) int {
			switch n {
			case 1:
				return http.StatusServiceUnavailable
			case 2:
				return http.StatusTooManyRequests
			case 4:
				return http.StatusUnprocessableEntity
			}
			return http.StatusAccepted
		}
		d.act(t, sb.CampaignStart)
		d.round(t) // 503
		if n := d.round(t); n != 0 {
			t.Fatalf("sent %d before the backoff ran out", n)
		}
		checkProgress(t, d.get(t), sb.Progress{Audience: 2, Pending: 1, InFlight: 1})
		clock.Advance(dialer.Backoff(0))
		d.round(t) // 429
		clock.Advance(dialer.Backoff(1))
		d.round(t) // 202
		if len(d.eng.reqs) != 3 || d.eng.reqs[0].DispatchID != d.eng.reqs[2].DispatchID || d.eng.reqs[2].Key != d.eng.reqs[0].Key {
			t.Fatalf("resends %+v", d.eng.reqs)
		}
		call := d.eng.openCalls()[0]
		d.eng.report(t, s, call, "completed", 10)
		d.round(t) // the second contact: 422, refused for good
		atts := d.attempts(t, sb.AttemptFailed)
		if len(atts) != 1 || atts[0].Reason == nil || *atts[0].Reason == "" {
			t.Fatalf("failed attempts %+v", atts)
		}
		d.round(t)
		c := d.get(t)
		if c.Status != sb.CampaignCompleted {
			t.Fatalf("status %s", c.Status)
		}
		checkProgress(t, c, sb.Progress{Audience: 2, Completed: 1, Failed: 1})
	})
}

func TestDiallerNoReportFreesTheSlot(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 2, func(in *sb.CampaignInput) {
			one := int64(1)
			in.MaxConcurrentCalls = &one
		})
		budget := int64(10)
		if _, err := s.SetBudget(ctx, d.actor, d.ws, sb.BudgetInput{MinuteBudget: &budget, Given: true}); err != nil {
			t.Fatal(err)
		}
		d.act(t, sb.CampaignStart)
		d.round(t)
		silent := d.eng.openCalls()[0]
		clock.Advance(10*time.Minute + store.ReportGrace - time.Second)
		if n := d.round(t); n != 0 {
			t.Fatalf("slot freed before the deadline")
		}
		clock.Advance(2 * time.Second)
		if n := d.round(t); n != 1 {
			t.Fatalf("slot not freed after the deadline")
		}
		atts := d.attempts(t, sb.AttemptFailed)
		if len(atts) != 1 || atts[0].ID != silent.DispatchID || *atts[0].Reason != "no_report" {
			t.Fatalf("failed attempts %+v", atts)
		}
		// A late report is still recorded and counted.
		d.eng.report(t, s, silent, "completed", 30)
		if w := workspace(t, s, d.actor, d.ws); w.SecondsUsed != 30 {
			t.Fatalf("seconds used %d", w.SecondsUsed)
		}
	})
}

func TestReportTokenIsNarrow(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 2, nil)
		d.act(t, sb.CampaignStart)
		d.round(t)
		calls := d.eng.openCalls()
		a, b := calls[0], calls[1]
		tokenA, err := s.Authenticate(ctx, a.ReportToken)
		if err != nil {
			t.Fatal(err)
		}
		in := callIn("x-1", clock.Now().Add(-time.Minute), 60)
		// Another dispatch's call, or a call without a dispatch: forbidden.
		in.DispatchID = &b.DispatchID
		if _, _, err := s.ReportCall(ctx, tokenA, d.ws, in); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Fatalf("other dispatch: %v", err)
		}
		in.DispatchID = nil
		if _, _, err := s.ReportCall(ctx, tokenA, d.ws, in); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Fatalf("no dispatch: %v", err)
		}
		// Another workspace: not found.
		_, _, other := owner(t, s)
		in.DispatchID = &a.DispatchID
		if _, _, err := s.ReportCall(ctx, tokenA, other, in); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("other workspace: %v", err)
		}
		// Nothing else in its own workspace.
		if _, err := s.GetCampaign(ctx, tokenA, d.ws, d.campaign); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("read campaign: %v", err)
		}
		if _, _, err := s.ListCalls(ctx, tokenA, d.ws, sb.CallFilter{}, sb.Page{}); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("list calls: %v", err)
		}
		if _, err := s.AuthorizeCall(ctx, tokenA, d.ws, sb.AuthorizeCallInput{}); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("authorize: %v", err)
		}
		if _, err := s.Authenticate(ctx, "sbr_not-a-token"); sb.ErrorCode(err) != sb.ECodeUnauthorized {
			t.Fatalf("unknown token: %v", err)
		}
		// A replay of another call (an external_id already reported) shows nothing.
		if _, _, err := s.ReportCall(ctx, d.actor, d.ws, callIn("someone-elses", clock.Now().Add(-time.Minute), 60)); err != nil {
			t.Fatal(err)
		}
		replay := callIn("someone-elses", clock.Now().Add(-time.Minute), 60)
		replay.DispatchID = &a.DispatchID
		if _, _, err := s.ReportCall(ctx, tokenA, d.ws, replay); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Fatalf("replay of another call: %v", err)
		}
		// Its own call: accepted (an admin API key could report it too), and replayed.
		d.eng.report(t, s, a, "completed", 10)
		mine := callIn("ext-"+a.DispatchID, clock.Now().Add(-10*time.Second), 10)
		mine.To, mine.DispatchID = a.Contact.Phone, &a.DispatchID
		if _, created, err := s.ReportCall(ctx, tokenA, d.ws, mine); err != nil || created {
			t.Fatalf("replay of its own call: %v %v", created, err)
		}
	})
}

func TestVoiceEngineIntegration(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		actor, _, ws := owner(t, s)
		eng := startEngine(t, clock.Now)
		if _, err := s.GetVoiceEngine(ctx, actor, ws); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("get before put: %v", err)
		}
		url := eng.srv.URL + "/hook"
		if _, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: url}); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("put without a secret: %v", err)
		}
		short := "short"
		if _, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: url, Secret: &short}); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("short secret: %v", err)
		}
		for _, bad := range []string{"ftp://x.example.com/", "not a url", "https://user:pw@x.example.com/"} {
			sec := engineSecret
			if _, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: bad, Secret: &sec}); sb.ErrorCode(err) != sb.ECodeValidation {
				t.Fatalf("url %q: %v", bad, err)
			}
		}
		sec := engineSecret
		v, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: url, Secret: &sec})
		if err != nil || v.URL != url || !v.SecretSet || v.InheritedFrom != nil {
			t.Fatalf("put: %+v %v", v, err)
		}
		raw, _ := json.Marshal(v)
		if strings.Contains(string(raw), engineSecret) {
			t.Fatalf("the secret shows: %s", raw)
		}
		// Same host and port without the secret: kept. Another port: 422.
		if _, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: eng.srv.URL + "/other"}); err != nil {
			t.Fatalf("same host: %v", err)
		}
		if _, err := s.PutVoiceEngine(ctx, actor, ws, sb.VoiceEngineInput{URL: "http://127.0.0.1:1/x"}); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("new host without secret: %v", err)
		}
		res, err := s.TestVoiceEngine(ctx, actor, ws)
		if err != nil || !res.OK || res.Status != http.StatusAccepted {
			t.Fatalf("test: %+v %v", res, err)
		}
		if len(eng.reqs) != 1 || eng.reqs[0].Type != "ping" || eng.badSig != 0 {
			t.Fatalf("ping: %+v bad %d", eng.reqs, eng.badSig)
		}
		eng.status = func(int, dispatchReq) int { return http.StatusInternalServerError }
		if _, err := s.TestVoiceEngine(ctx, actor, ws); sb.ErrorCode(err) != sb.ECodeEngineError {
			t.Fatalf("failing engine: %v", err)
		}
		// A client inherits its agency's engine, and needs the secret again for its own.
		me, err := s.Me(ctx, actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetPlan(ctx, operator, me.Accounts[0].ID, "enterprise"); err != nil {
			t.Fatal(err)
		}
		agency, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Agency", Type: "agency"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutVoiceEngine(ctx, actor, agency.ID, sb.VoiceEngineInput{URL: url, Secret: &sec}); err != nil {
			t.Fatal(err)
		}
		client, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Client", Type: "simple", ParentID: &agency.ID})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetVoiceEngine(ctx, actor, client.ID)
		if err != nil || got.InheritedFrom == nil || *got.InheritedFrom != agency.ID || got.URL != url {
			t.Fatalf("client's engine: %+v %v", got, err)
		}
		if _, err := s.PutVoiceEngine(ctx, actor, client.ID, sb.VoiceEngineInput{URL: url}); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("client put without secret: %v", err)
		}
		if err := s.DeleteVoiceEngine(ctx, actor, ws); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetVoiceEngine(ctx, actor, ws); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestVoiceEngineSSRFGuard(t *testing.T) {
	opts := storetest.Options{Configure: func(c *store.Config) { c.Engine = dialer.NewClient(false, c.Now) }}
	storetest.Each(t, opts, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, _, ws := owner(t, s)
		sec := engineSecret
		for _, u := range []string{"http://127.0.0.1:9/x", "http://169.254.169.254/latest", "http://[::1]:80/", "http://10.0.0.1/"} {
			if _, err := s.PutVoiceEngine(context.Background(), actor, ws, sb.VoiceEngineInput{URL: u, Secret: &sec}); sb.ErrorCode(err) != sb.ECodeValidation {
				t.Fatalf("%s: %v", u, err)
			}
		}
	})
}

// TestDiallerReplicas runs two replicas (two stores on one database, each with its
// own dialler) together, after a third one died holding claimed dispatches: one
// that it never sent, one that it sent but never recorded. Nothing is lost or
// doubled and max_concurrent_calls holds across them all.
func TestDiallerReplicas(t *testing.T) {
	var cfg store.Config
	opts := storetest.Options{Configure: func(c *store.Config) {
		c.Engine = dialer.NewClient(true, c.Now)
		c.SecretKey = []byte("0123456789abcdef0123456789abcdef") // replicas share the key
		cfg = *c
	}}
	storetest.Each(t, opts, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		s2, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s2.Close() })
		const contacts, maxc = 20, 4
		d := setupDialling(t, s, clock, contacts, func(in *sb.CampaignInput) {
			m := int64(maxc)
			in.MaxConcurrentCalls = &m
		})
		d.act(t, sb.CampaignStart)

		// The replica that dies: it claims, sends one dispatch, and records nothing.
		dead, err := s2.ClaimDispatches(ctx, 2)
		if err != nil || len(dead) != 2 {
			t.Fatalf("claim: %d %v", len(dead), err)
		}
		if _, _, err := dialer.NewClient(true, clock.Now).Post(ctx, dead[0].URL, dead[0].Secret, dead[0].ID, dead[0].Body); err != nil {
			t.Fatal(err)
		}

		workers := []*dialer.Worker{
			dialer.NewWorker(s, dialer.NewClient(true, clock.Now), dialer.WorkerConfig{}),
			dialer.NewWorker(s2, dialer.NewClient(true, clock.Now), dialer.WorkerConfig{}),
		}
		for round := 0; round < 200 && d.get(t).Status == sb.CampaignRunning; round++ {
			var wg sync.WaitGroup
			for _, w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := w.RunOnce(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			open := d.eng.openCalls()
			if len(open) > maxc {
				t.Fatalf("%d calls in flight, max %d", len(open), maxc)
			}
			for i, call := range open {
				if (i+round)%3 != 0 {
					// Report through either replica.
					target := s
					if i%2 == 1 {
						target = s2
					}
					d.eng.report(t, target, call, "completed", 7)
				}
			}
			if round%5 == 4 {
				clock.Advance(31 * time.Second) // leases of the dead replica run out
			}
		}
		c := d.get(t)
		if c.Status != sb.CampaignCompleted {
			t.Fatalf("status %s, progress %+v", c.Status, c.Progress)
		}
		checkProgress(t, c, sb.Progress{Audience: contacts, Completed: contacts})
		perContact := map[string]int{}
		for _, r := range d.eng.taken {
			perContact[r.Contact.ID]++
		}
		for _, id := range d.contacts {
			if perContact[id] != 1 {
				t.Fatalf("contact %s taken %d times", id, perContact[id])
			}
		}
		keys := map[string]int{}
		for _, r := range d.eng.reqs {
			keys[r.Key]++
		}
		// The unsent one was sent by a live replica once its lease ran out, with its id.
		if keys[dead[0].ID] < 1 || keys[dead[1].ID] < 1 {
			t.Fatalf("the dead replica's dispatches were not sent again with their ids: %d, %d", keys[dead[0].ID], keys[dead[1].ID])
		}
		calls := allCalls(t, s, d.actor, d.ws)
		if len(calls) != contacts {
			t.Fatalf("%d calls, want %d", len(calls), contacts)
		}
		if d.eng.maxOpen > maxc {
			t.Fatalf("engine saw %d at once", d.eng.maxOpen)
		}
	})
}

func TestDiallerDeletedContactsAndCampaigns(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 3, nil)
		d.act(t, sb.CampaignStart)
		if err := s.DeleteContact(ctx, d.actor, d.ws, d.contacts[1]); err != nil {
			t.Fatal(err)
		}
		if n := d.round(t); n != 2 {
			t.Fatalf("dispatched %d, want the 2 contacts left", n)
		}
		for _, r := range d.eng.reqs {
			if r.Contact.ID == d.contacts[1] {
				t.Fatal("dialled a deleted contact")
			}
		}
		cancelled := d.attempts(t, sb.AttemptCancelled)
		if len(cancelled) != 1 || cancelled[0].ContactID != d.contacts[1] || *cancelled[0].Reason != "contact_deleted" {
			t.Fatalf("cancelled %+v", cancelled)
		}
		checkProgress(t, d.get(t), sb.Progress{Audience: 3, InFlight: 2, Cancelled: 1})
		// Deleting the campaign deletes its attempts; their report tokens stop working.
		token := d.eng.openCalls()[0].ReportToken
		if err := s.DeleteCampaign(ctx, d.actor, d.ws, d.campaign); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); sb.ErrorCode(err) != sb.ECodeUnauthorized {
			t.Fatalf("report token after delete: %v", err)
		}
		if n := d.round(t); n != 0 {
			t.Fatalf("dispatched %d for a deleted campaign", n)
		}
	})
}
