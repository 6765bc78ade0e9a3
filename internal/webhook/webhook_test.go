package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
	"github.com/switchboard/switchboard/internal/webhook"
)

// withMail opens stores whose system mail is set, so alert mail is queued.
var withMail = storetest.Options{Configure: func(c *store.Config) { c.SystemMail = true }}

var (
	emailSeq atomic.Int64
	operator = sb.Actor{Operator: true, Email: "operator"}
)

// owner signs up a user and returns them, their account and first workspace.
func owner(t testing.TB, s *store.Store) (sb.Actor, string, string) {
	t.Helper()
	ctx := context.Background()
	_, token, err := s.SignUp(ctx, sb.SignUpInput{Email: fmt.Sprintf("hooks%d@example.com", emailSeq.Add(1)), Password: "correct horse battery", Name: "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	me, err := s.Me(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	return actor, me.Accounts[0].ID, me.Workspaces[0].ID
}

func grant(t testing.TB, s *store.Store, accountID string, minutes int64) {
	t.Helper()
	if _, err := s.GrantMinutes(context.Background(), operator, accountID, sb.GrantInput{Minutes: minutes}); err != nil {
		t.Fatal(err)
	}
}

func setBudget(t testing.TB, s *store.Store, actor sb.Actor, ws string, minutes int64) {
	t.Helper()
	if _, err := s.SetBudget(context.Background(), actor, ws, sb.BudgetInput{MinuteBudget: &minutes, Given: true}); err != nil {
		t.Fatal(err)
	}
}

var callSeq atomic.Int64

// report reports one finished call of the given length.
func report(t testing.TB, s *store.Store, actor sb.Actor, ws string, seconds int) *sb.Call {
	t.Helper()
	c, err := reportErr(s, actor, ws, seconds)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func reportErr(s *store.Store, actor sb.Actor, ws string, seconds int) (*sb.Call, error) {
	start := time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC).Add(time.Duration(callSeq.Add(1)) * time.Second)
	c, _, err := s.ReportCall(context.Background(), actor, ws, sb.ReportCallInput{
		ExternalID: fmt.Sprintf("ext-%d", callSeq.Load()), Direction: "outbound", From: "+14155550100", To: "+14155550199",
		StartedAt: start.Format(time.RFC3339Nano), EndedAt: start.Add(time.Duration(seconds) * time.Second).Format(time.RFC3339Nano),
		Outcome: "completed",
	})
	return c, err
}

// receiver is a real HTTP server on loopback that records what it receives and
// answers with the status its next function gives.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	next func(n int) int
}

type received struct {
	signature string
	body      []byte
	event     sb.Event
}

func newReceiver(t *testing.T, next func(n int) int) *receiver {
	rc := &receiver{next: next}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e sb.Event
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("delivery body is not an event: %v: %s", err, body)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, received{signature: r.Header.Get(webhook.SignatureHeader), body: body, event: e})
		n := len(rc.got)
		rc.mu.Unlock()
		w.WriteHeader(rc.next(n))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func addHook(t testing.TB, s *store.Store, actor sb.Actor, ws, url string, events ...string) *sb.Webhook {
	t.Helper()
	h, err := s.CreateWebhook(context.Background(), actor, ws, sb.WebhookInput{URL: url, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func deliveries(t testing.TB, s *store.Store, actor sb.Actor, ws, hook string) []sb.WebhookDelivery {
	t.Helper()
	d, _, err := s.ListDeliveries(context.Background(), actor, ws, hook, sb.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func alerts(t testing.TB, s *store.Store, actor sb.Actor, ws string) []sb.Event {
	t.Helper()
	a, _, err := s.ListAlerts(context.Background(), actor, ws, sb.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func worker(s *store.Store, clock *storetest.Clock) *webhook.Worker {
	return webhook.NewWorker(s, webhook.Config{Now: clock.Now, Timeout: 5 * time.Second})
}

func runOnce(t testing.TB, w *webhook.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliverySignedAndLogged(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		rc := newReceiver(t, func(int) int { return 204 })
		h := addHook(t, s, actor, ws, rc.URL+"/hooks", sb.EventCallCompleted)
		if h.Secret == "" || !h.Enabled {
			t.Fatalf("created webhook = %+v, want a secret and enabled", h)
		}
		other := addHook(t, s, actor, ws, rc.URL+"/other", sb.EventCampaignStarted)
		call := report(t, s, actor, ws, 42)
		if n := runOnce(t, worker(s, clock)); n != 1 {
			t.Fatalf("worker claimed %d deliveries, want 1 (only the subscribed endpoint)", n)
		}
		got := rc.received()
		if len(got) != 1 {
			t.Fatalf("receiver got %d deliveries, want 1", len(got))
		}
		e := got[0].event
		if e.Type != sb.EventCallCompleted || e.WorkspaceID != ws || e.ID == "" || e.CreatedAt.IsZero() {
			t.Fatalf("event = %+v", e)
		}
		var data sb.Call
		if err := json.Unmarshal(e.Data, &data); err != nil || data.ID != call.ID || data.DurationSeconds != 42 {
			t.Fatalf("event data = %s (%v), want the call %s", e.Data, err, call.ID)
		}
		if err := webhook.Verify(h.Secret, got[0].signature, got[0].body, clock.Now(), 5*time.Minute); err != nil {
			t.Fatalf("signature %q does not verify: %v", got[0].signature, err)
		}
		if err := webhook.Verify("whsec_wrong", got[0].signature, got[0].body, clock.Now(), 0); err == nil {
			t.Fatal("signature verifies with another secret")
		}
		tampered := append([]byte(nil), got[0].body...)
		tampered[len(tampered)-2] ^= 1
		if err := webhook.Verify(h.Secret, got[0].signature, tampered, clock.Now(), 0); err == nil {
			t.Fatal("signature verifies a changed body")
		}
		d := deliveries(t, s, actor, ws, h.ID)
		if len(d) != 1 || d[0].Status != sb.WebhookDelivered || d[0].Attempts != 1 || d[0].ResponseStatus == nil || *d[0].ResponseStatus != 204 ||
			d[0].DeliveredAt == nil || d[0].Event != sb.EventCallCompleted || d[0].EventID != e.ID {
			t.Fatalf("deliveries = %+v", d)
		}
		if d := deliveries(t, s, actor, ws, other.ID); len(d) != 0 {
			t.Fatalf("unsubscribed endpoint has deliveries %+v", d)
		}
		// Later reads never show the secret.
		again, err := s.GetWebhook(context.Background(), actor, ws, h.ID)
		if err != nil || again.Secret != "" {
			t.Fatalf("GetWebhook = %+v, %v; want no secret", again, err)
		}
		// Redelivery sends the same event id again.
		rd, err := s.Redeliver(context.Background(), actor, ws, h.ID, d[0].ID)
		if err != nil || rd.Status != sb.WebhookPending || rd.EventID != e.ID {
			t.Fatalf("Redeliver = %+v, %v", rd, err)
		}
		runOnce(t, worker(s, clock))
		if got := rc.received(); len(got) != 2 || got[1].event.ID != e.ID {
			t.Fatalf("redelivery = %+v, want the same event id %s", got, e.ID)
		}
	})
}

func TestRetriesKeepTheEventID(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		// 503, 500, then 200.
		rc := newReceiver(t, func(n int) int { return map[int]int{1: 503, 2: 500}[n] + map[bool]int{true: 200}[n > 2] })
		h := addHook(t, s, actor, ws, rc.URL, sb.EventCallCompleted)
		report(t, s, actor, ws, 10)
		w := worker(s, clock)
		runOnce(t, w)
		d := deliveries(t, s, actor, ws, h.ID)
		if len(d) != 1 || d[0].Status != sb.WebhookPending || d[0].Attempts != 1 || *d[0].ResponseStatus != 503 || d[0].NextAttemptAt == nil || !d[0].NextAttemptAt.After(clock.Now()) {
			t.Fatalf("after a 503: %+v", d)
		}
		if n := runOnce(t, w); n != 0 {
			t.Fatalf("a delivery was retried before its backoff ran out (%d claimed)", n)
		}
		for range 2 {
			clock.Advance(2 * time.Hour)
			if n := runOnce(t, w); n != 1 {
				t.Fatalf("claimed %d, want the retry", n)
			}
		}
		got := rc.received()
		if len(got) != 3 {
			t.Fatalf("receiver got %d attempts, want 3", len(got))
		}
		for _, g := range got[1:] {
			if g.event.ID != got[0].event.ID {
				t.Fatalf("retry carried event id %s, want %s", g.event.ID, got[0].event.ID)
			}
		}
		d = deliveries(t, s, actor, ws, h.ID)
		if d[0].Status != sb.WebhookDelivered || d[0].Attempts != 3 || *d[0].ResponseStatus != 200 {
			t.Fatalf("after success: %+v", d[0])
		}
		hook, _ := s.GetWebhook(context.Background(), actor, ws, h.ID)
		if hook.FailingSince != nil {
			t.Fatalf("a success left failing_since = %v", hook.FailingSince)
		}
	})
}

func TestDisabledAfterADayOfFailures(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		rc := newReceiver(t, func(int) int { return 500 })
		h := addHook(t, s, actor, ws, rc.URL, sb.EventCallCompleted)
		report(t, s, actor, ws, 10)
		w := worker(s, clock)
		runOnce(t, w)
		clock.Advance(23 * time.Hour)
		runOnce(t, w)
		if hook, _ := s.GetWebhook(ctx, actor, ws, h.ID); !hook.Enabled || hook.FailingSince == nil {
			t.Fatalf("after 23 h of failures: %+v, want enabled and failing", hook)
		}
		clock.Advance(2 * time.Hour)
		runOnce(t, w)
		hook, _ := s.GetWebhook(ctx, actor, ws, h.ID)
		if hook.Enabled || hook.DisabledAt == nil {
			t.Fatalf("after 25 h of failures: %+v, want disabled", hook)
		}
		if d := deliveries(t, s, actor, ws, h.ID); d[0].Status != sb.WebhookFailed {
			t.Fatalf("delivery after 25 h = %+v, want failed", d[0])
		}
		mail, err := s.PendingSystemMail(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mail) != 1 || mail[0].Kind != "webhook.disabled" || mail[0].To != actor.Email {
			t.Fatalf("mail = %+v, want one webhook.disabled message to the owner %s", mail, actor.Email)
		}
		actions, _ := s.AuditActionsForTest(ctx, ws)
		if !contains(actions, "webhook.disabled") {
			t.Fatalf("audit = %v, want webhook.disabled", actions)
		}
		// A disabled endpoint gets nothing new; turned back on, it does.
		before := len(rc.received())
		report(t, s, actor, ws, 10)
		clock.Advance(2 * time.Hour)
		runOnce(t, w)
		if len(rc.received()) != before {
			t.Fatal("a disabled endpoint was sent a delivery")
		}
		on := true
		if hook, err := s.UpdateWebhook(ctx, actor, ws, h.ID, sb.WebhookPatch{Enabled: &on}); err != nil || !hook.Enabled || hook.FailingSince != nil {
			t.Fatalf("re-enable = %+v, %v", hook, err)
		}
		report(t, s, actor, ws, 10)
		runOnce(t, w)
		if len(rc.received()) != before+1 {
			t.Fatalf("re-enabled endpoint got %d new deliveries, want 1", len(rc.received())-before)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// thresholds returns the thresholds of a workspace's budget.threshold alerts,
// oldest first.
func thresholds(t testing.TB, s *store.Store, actor sb.Actor, ws string) []int64 {
	t.Helper()
	var out []int64
	a := alerts(t, s, actor, ws)
	for i := len(a) - 1; i >= 0; i-- {
		if a[i].Type != sb.EventBudgetThreshold {
			continue
		}
		var d sb.BudgetThresholdData
		if err := json.Unmarshal(a[i].Data, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Threshold)
	}
	return out
}

func TestBudgetThresholdsFireOnceAndRearm(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		setBudget(t, s, actor, ws, 10)
		rc := newReceiver(t, func(int) int { return 200 })
		addHook(t, s, actor, ws, rc.URL, sb.EventBudgetThreshold)
		report(t, s, actor, ws, 240) // 40 %
		if got := thresholds(t, s, actor, ws); len(got) != 0 {
			t.Fatalf("at 40 %%: %v", got)
		}
		report(t, s, actor, ws, 60) // 50 %
		report(t, s, actor, ws, 60) // 60 %
		if got := fmt.Sprint(thresholds(t, s, actor, ws)); got != "[50]" {
			t.Fatalf("at 60 %%: %v, want [50]", got)
		}
		report(t, s, actor, ws, 400) // 110 %: 80 and 100 at once
		if got := fmt.Sprint(thresholds(t, s, actor, ws)); got != "[50 80 100]" {
			t.Fatalf("at 110 %%: %v", got)
		}
		report(t, s, actor, ws, 60)
		if got := fmt.Sprint(thresholds(t, s, actor, ws)); got != "[50 80 100]" {
			t.Fatalf("past 100 %%, fired again: %v", got)
		}
		// Raising the budget to 20 minutes (usage 12 of 20 = 60 %) re-arms 80 and 100
		// but not 50, which the usage is already past.
		setBudget(t, s, actor, ws, 20)
		report(t, s, actor, ws, 300) // 17 of 20 = 85 %
		if got := fmt.Sprint(thresholds(t, s, actor, ws)); got != "[50 80 100 80]" {
			t.Fatalf("after raising the budget: %v", got)
		}
		runOnce(t, worker(s, clock))
		if got := rc.received(); len(got) != 4 || got[3].event.Type != sb.EventBudgetThreshold {
			t.Fatalf("webhook got %d threshold events, want 4", len(got))
		}
		mail, _ := s.PendingSystemMail(ctx)
		if len(mail) != 4 || mail[0].Kind != sb.EventBudgetThreshold || mail[0].To != actor.Email {
			t.Fatalf("mail = %+v, want 4 threshold messages to the owner", mail)
		}
		actions, _ := s.AuditActionsForTest(ctx, ws)
		n := 0
		for _, a := range actions {
			if a == "workspace.budget_threshold" {
				n++
			}
		}
		if n != 4 {
			t.Fatalf("audit has %d threshold entries, want 4", n)
		}
	})
}

func TestPoolLowOncePerGrant(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		count := func() int {
			n := 0
			for _, a := range alerts(t, s, actor, ws) {
				if a.Type == sb.EventPoolLow {
					n++
				}
			}
			return n
		}
		report(t, s, actor, ws, 89*60) // 11 minutes left: above 10 %
		if count() != 0 {
			t.Fatal("pool.low above 10 %")
		}
		report(t, s, actor, ws, 2*60) // 9 left
		report(t, s, actor, ws, 60)   // 8 left
		if n := count(); n != 1 {
			t.Fatalf("%d pool.low alerts, want 1", n)
		}
		grant(t, s, acct, 100) // 108 left
		report(t, s, actor, ws, 90*60)
		if n := count(); n != 1 {
			t.Fatalf("%d pool.low alerts at 18 left, want 1", n)
		}
		report(t, s, actor, ws, 10*60) // 8 left of the new grant
		if n := count(); n != 2 {
			t.Fatalf("%d pool.low alerts after the second grant ran low, want 2", n)
		}
	})
}

// TestThresholdsExactlyOnceAcrossProcesses reports calls concurrently through two
// stores (two connection pools, as two replicas have) on one PostgreSQL schema, and
// on SQLite through one: every threshold fires exactly once.
func TestThresholdsExactlyOnceAcrossProcesses(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			clock := storetest.NewClock()
			var stores []*store.Store
			if dialect == "postgres" {
				u := storetest.PostgresSchema(t)
				for range 2 {
					stores = append(stores, storetest.Open(t, "postgres", storetest.Options{Configure: func(c *store.Config) { c.DatabaseURL, c.SystemMail = u, true }}, clock))
				}
			} else {
				stores = append(stores, storetest.Open(t, "sqlite", withMail, clock))
			}
			s := stores[0]
			actor, acct, ws := owner(t, s)
			grant(t, s, acct, 10000)
			setBudget(t, s, actor, ws, 20) // 1200 s
			calls := 64                    // 64 × 30 s = 1920 s: past 100 %
			for round := range 2 {
				var wg sync.WaitGroup
				errs := make(chan error, calls)
				for i := range calls {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := reportErr(stores[i%len(stores)], actor, ws, 30)
						errs <- err
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				want := "[50 80 100]"
				if round == 1 {
					want = "[50 80 100 50 80 100]"
				}
				if got := fmt.Sprint(thresholds(t, s, actor, ws)); got != want {
					t.Fatalf("round %d: thresholds %s, want %s", round, got, want)
				}
				// Raise the budget so that the usage is below half of it again.
				w, err := s.GetWorkspace(context.Background(), actor, ws)
				if err != nil {
					t.Fatal(err)
				}
				budget := w.SecondsUsed/60*2 + 2
				setBudget(t, s, actor, ws, budget)
				calls = int(budget*60-w.SecondsUsed)/30 + 4
			}
		})
	}
}

// TestHangingReceiverDoesNotHoldUpCallReports keeps a receiver hanging with a
// delivery in flight while calls are reported: each report commits without
// waiting for it, because delivery runs after commit in the worker; and another
// endpoint of the workspace keeps receiving every event meanwhile.
func TestHangingReceiverDoesNotHoldUpCallReports(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		release := make(chan struct{})
		inFlight := make(chan struct{}, 100)
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight <- struct{}{}
			<-release
		}))
		defer hang.Close()
		defer close(release)
		for range 3 {
			addHook(t, s, actor, ws, hang.URL, sb.EventCallCompleted)
		}
		healthy := newReceiver(t, func(int) int { return 200 })
		addHook(t, s, actor, ws, healthy.URL, sb.EventCallCompleted)
		report(t, s, actor, ws, 10)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := webhook.NewWorker(s, webhook.Config{Now: clock.Now, Poll: 10 * time.Millisecond, Timeout: time.Hour})
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		<-inFlight // a delivery hangs in the receiver from here on
		for range 20 {
			report(t, s, actor, ws, 10)
		}
		if got := len(allCalls(t, s, actor, ws)); got != 21 {
			t.Fatalf("%d calls recorded, want 21", got)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(healthy.received()) < 21 {
			if time.Now().After(deadline) {
				t.Fatalf("the healthy endpoint got %d of 21 events while another hung", len(healthy.received()))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func allCalls(t testing.TB, s *store.Store, actor sb.Actor, ws string) []sb.Call {
	t.Helper()
	calls, _, err := s.ListCalls(context.Background(), actor, ws, sb.CallFilter{}, sb.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

func TestPruneKeepsAlertsAndRecentDeliveries(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		setBudget(t, s, actor, ws, 2)
		rc := newReceiver(t, func(int) int { return 200 })
		h := addHook(t, s, actor, ws, rc.URL, sb.EventCallCompleted, sb.EventBudgetThreshold)
		report(t, s, actor, ws, 70) // call.completed and the 50 % alert
		runOnce(t, worker(s, clock))
		clock.Advance(31 * 24 * time.Hour)
		report(t, s, actor, ws, 1) // a recent one
		runOnce(t, worker(s, clock))
		if n, err := s.PruneWebhooks(ctx); err != nil || n != 3 {
			t.Fatalf("PruneWebhooks = %d, %v; want 3 (two old deliveries, the old call event)", n, err)
		}
		if d := deliveries(t, s, actor, ws, h.ID); len(d) != 1 {
			t.Fatalf("%d deliveries left, want the recent one", len(d))
		}
		if a := alerts(t, s, actor, ws); len(a) != 1 {
			t.Fatalf("%d alerts left, want the old one kept", len(a))
		}
	})
}

// TestPerEndpointCap: a receiver that hangs holds at most PerEndpoint deliveries
// of its endpoint at once, while another endpoint gets every event.
func TestPerEndpointCap(t *testing.T) {
	storetest.Each(t, withMail, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		release := make(chan struct{})
		var mu sync.Mutex
		inFlight, most := 0, 0
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			<-release
			mu.Lock()
			inFlight--
			mu.Unlock()
		}))
		defer hang.Close()
		defer close(release)
		addHook(t, s, actor, ws, hang.URL, sb.EventCallCompleted)
		healthy := newReceiver(t, func(int) int { return 200 })
		addHook(t, s, actor, ws, healthy.URL, sb.EventCallCompleted)
		for range 6 {
			report(t, s, actor, ws, 10)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := webhook.NewWorker(s, webhook.Config{Now: clock.Now, Poll: 10 * time.Millisecond, Timeout: time.Hour, PerEndpoint: 2})
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := inFlight
			mu.Unlock()
			if n >= 2 && len(healthy.received()) == 6 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries hang, the healthy endpoint got %d of 6", n, len(healthy.received()))
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if most != 2 {
			t.Fatalf("the hanging endpoint held %d deliveries at once, want PerEndpoint = 2", most)
		}
	})
}
