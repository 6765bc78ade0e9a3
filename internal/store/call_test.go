package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var emailSeq atomic.Int64

// signedUp is a user who has just signed up: their session token and email, and
// them as an actor with their account and first workspace.
type signedUp struct {
	token, email       string
	actor              sb.Actor
	account, workspace string
}

// newOwner signs up a user with a fresh email and logs them in (signUp, in
// member_test.go, makes a named user without a session).
func newOwner(t testing.TB, s *store.Store) signedUp {
	t.Helper()
	ctx := context.Background()
	u := signedUp{email: fmt.Sprintf("owner%d@example.com", emailSeq.Add(1))}
	_, token, err := s.SignUp(ctx, sb.SignUpInput{Email: u.email, Password: "correct horse battery", Name: "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	u.token = token
	if u.actor, err = s.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	me, err := s.Me(ctx, u.actor)
	if err != nil {
		t.Fatal(err)
	}
	u.account, u.workspace = me.Accounts[0].ID, me.Workspaces[0].ID
	return u
}

// owner signs up a user and returns them as an actor, with their account and first
// workspace.
func owner(t testing.TB, s *store.Store) (actor sb.Actor, accountID, workspaceID string) {
	t.Helper()
	u := newOwner(t, s)
	return u.actor, u.account, u.workspace
}

func grant(t testing.TB, s *store.Store, accountID string, minutes int64) {
	t.Helper()
	if _, err := s.GrantMinutes(context.Background(), operator, accountID, sb.GrantInput{Minutes: minutes}); err != nil {
		t.Fatal(err)
	}
}

var callStart = time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC)

// callIn is a reported call of the given length.
func callIn(externalID string, start time.Time, seconds int) sb.ReportCallInput {
	return sb.ReportCallInput{
		ExternalID: externalID, Direction: "outbound", From: "+14155550100", To: "+14155550199",
		StartedAt: start.Format(time.RFC3339Nano), EndedAt: start.Add(time.Duration(seconds) * time.Second).Format(time.RFC3339Nano),
		Outcome: "completed",
	}
}

func workspace(t testing.TB, s *store.Store, actor sb.Actor, id string) *sb.Workspace {
	t.Helper()
	w, err := s.GetWorkspace(context.Background(), actor, id)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func account(t testing.TB, s *store.Store, actor sb.Actor, id string) *sb.Account {
	t.Helper()
	a, err := s.GetAccount(context.Background(), actor, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// allCalls pages through a workspace's whole call history.
func allCalls(t testing.TB, s *store.Store, actor sb.Actor, ws string) []sb.Call {
	t.Helper()
	var out []sb.Call
	cursor := ""
	for {
		page, next, err := s.ListCalls(context.Background(), actor, ws, sb.CallFilter{}, sb.Page{Limit: 7, Cursor: cursor})
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

func TestReportCallsConcurrentDistinct(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		const n, secs = 64, 61
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, created, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("ext-%d", i), callStart.Add(time.Duration(i)*time.Minute), secs))
				if err == nil && !created {
					err = errors.New("a distinct call was taken for a replay")
				}
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
		if got := workspace(t, s, actor, ws).SecondsUsed; got != n*secs {
			t.Fatalf("seconds_used %d, want %d", got, n*secs)
		}
		if got := account(t, s, actor, acct).Minutes.BalanceSeconds; got != 1000*60-n*secs {
			t.Fatalf("balance %d, want %d", got, 1000*60-n*secs)
		}
		calls := allCalls(t, s, actor, ws)
		if len(calls) != n {
			t.Fatalf("%d calls listed, want %d", len(calls), n)
		}
		for i := 1; i < len(calls); i++ {
			if calls[i].StartedAt.After(calls[i-1].StartedAt) {
				t.Fatalf("calls not newest first at %d", i)
			}
		}
		an, err := s.Analytics(ctx, actor, ws, sb.AnalyticsQuery{From: callStart.Add(-time.Hour), To: callStart.Add(3 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if an.Totals.Calls != n || an.Totals.Seconds != n*secs || an.Totals.ByOutcome["completed"] != n {
			t.Fatalf("analytics totals %+v", an.Totals)
		}
	})
}

func TestReportCallConcurrentReplays(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		const n = 32
		overlapped := replayBarrier(t, s, 16)
		var wg sync.WaitGroup
		var createdCount atomic.Int64
		ids := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, created, err := s.ReportCall(ctx, actor, ws, callIn("same-call", callStart, 125))
				if err != nil {
					errs[i] = err
					return
				}
				if created {
					createdCount.Add(1)
				}
				ids[i] = c.ID
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		overlapped()
		if createdCount.Load() != 1 {
			t.Fatalf("%d reports created the call, want 1", createdCount.Load())
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("replays answered different calls: %s and %s", id, ids[0])
			}
		}
		if got := workspace(t, s, actor, ws).SecondsUsed; got != 125 {
			t.Fatalf("seconds_used %d, want 125 (debited once)", got)
		}
		if got := account(t, s, actor, acct).Minutes.BalanceSeconds; got != 100*60-125 {
			t.Fatalf("balance %d, want %d", got, 100*60-125)
		}
		an, err := s.Analytics(ctx, actor, ws, sb.AnalyticsQuery{From: callStart.Add(-time.Hour), To: callStart.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if an.Totals.Calls != 1 {
			t.Fatalf("analytics counted %d calls, want 1", an.Totals.Calls)
		}
	})
}

// TestAuthorizeRacesReportsAtBudgetEdge has callers that, like the voice engine,
// ask before each call and report it when it ends, all at once against one budget.
// A call may start only while minutes remain, so the overshoot is bounded by the
// calls already running, and once the budget is spent nothing more is allowed.
func TestAuthorizeRacesReportsAtBudgetEdge(t *testing.T) {
	storetest.Each(t, storetest.Options{DefaultPlan: sb.PlanEnterprise}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, _ := owner(t, s)
		grant(t, s, acct, 1000)
		budget := int64(10)
		agency, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Agency", Type: sb.WorkspaceAgency, MinuteBudget: &budget})
		if err != nil {
			t.Fatal(err)
		}
		var clients []string
		for i := range 2 {
			c, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: fmt.Sprintf("Client %d", i), ParentID: &agency.ID})
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c.ID)
		}
		// Each caller works in one of the three workspaces, all limited by the
		// agency's 600 seconds; calls last 60 seconds.
		const callers, secs = 8, 60
		targets := []string{agency.ID, clients[0], clients[1]}
		var wg sync.WaitGroup
		var seq atomic.Int64
		errs := make(chan error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ws := targets[i%len(targets)]
				for {
					a, err := s.AuthorizeCall(ctx, actor, ws, sb.AuthorizeCallInput{})
					if sb.ErrorCode(err) == sb.ECodeInsufficientMins {
						errs <- nil
						return
					}
					if err != nil {
						errs <- err
						return
					}
					if !a.Allowed || a.RemainingSeconds == nil || *a.RemainingSeconds <= 0 {
						errs <- fmt.Errorf("allowed with remaining %v", a.RemainingSeconds)
						return
					}
					if _, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("c%d", seq.Add(1)), callStart, secs)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		used := workspace(t, s, actor, agency.ID).SecondsUsed
		if used < budget*60 {
			t.Fatalf("agency used %d seconds, but callers stopped before the budget (%d) was spent", used, budget*60)
		}
		// Every call started when at least one call's worth was left (used ≤ 540),
		// so at most `callers` calls can push past it.
		if limit := budget*60 - secs + callers*secs; used > limit {
			t.Fatalf("agency used %d seconds, more than the budget plus the calls running (%d)", used, limit)
		}
		for _, ws := range targets {
			if _, err := s.AuthorizeCall(ctx, actor, ws, sb.AuthorizeCallInput{}); sb.ErrorCode(err) != sb.ECodeInsufficientMins {
				t.Fatalf("authorize in %s after the budget was spent: %v, want insufficient_minutes", ws, err)
			}
		}
		u, err := s.Usage(ctx, actor, agency.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.SecondsUsed != used || u.OverBudget != (used > budget*60) || len(u.Clients) != 2 {
			t.Fatalf("usage %+v", u)
		}
		if sum := u.Clients[0].SecondsUsed + u.Clients[1].SecondsUsed; sum > used {
			t.Fatalf("clients used %d > agency %d", sum, used)
		}
	})
}

func TestAuthorizeLimits(t *testing.T) {
	storetest.Each(t, storetest.Options{DefaultPlan: sb.PlanEnterprise}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, simple := owner(t, s)
		remaining := func(ws string) int64 {
			t.Helper()
			a, err := s.AuthorizeCall(ctx, actor, ws, sb.AuthorizeCallInput{})
			if err != nil {
				t.Fatalf("authorize %s: %v", ws, err)
			}
			return *a.RemainingSeconds
		}
		refused := func(ws string) {
			t.Helper()
			if _, err := s.AuthorizeCall(ctx, actor, ws, sb.AuthorizeCallInput{}); sb.ErrorCode(err) != sb.ECodeInsufficientMins {
				t.Fatalf("authorize %s: %v, want insufficient_minutes", ws, err)
			}
		}
		// An empty pool: nothing may call.
		refused(simple)
		grant(t, s, acct, 10)
		if r := remaining(simple); r != 600 {
			t.Fatalf("remaining %d, want the 600 unallocated seconds", r)
		}
		three := int64(3)
		budgeted, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Budgeted", MinuteBudget: &three})
		if err != nil {
			t.Fatal(err)
		}
		if r := remaining(budgeted.ID); r != 180 {
			t.Fatalf("budgeted remaining %d, want 180", r)
		}
		if r := remaining(simple); r != 420 {
			t.Fatalf("unbudgeted remaining %d, want 420 (600 less the 180 allocated)", r)
		}
		// The unbudgeted workspace spends the unallocated minutes: it is refused,
		// the budgeted one still may call.
		if _, _, err := s.ReportCall(ctx, actor, simple, callIn("a", callStart, 420)); err != nil {
			t.Fatal(err)
		}
		refused(simple)
		if r := remaining(budgeted.ID); r != 180 {
			t.Fatalf("budgeted remaining %d, want 180", r)
		}
		// A tail past the budget: over_budget, refused.
		if _, _, err := s.ReportCall(ctx, actor, budgeted.ID, callIn("b", callStart, 200)); err != nil {
			t.Fatal(err)
		}
		refused(budgeted.ID)
		u, err := s.Usage(ctx, actor, budgeted.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.OverBudget || u.SecondsUsed != 200 || u.RemainingSeconds == nil || *u.RemainingSeconds != 0 {
			t.Fatalf("usage %+v", u)
		}
		// An agency with a budget limits its unbudgeted clients, not the account.
		grant(t, s, acct, 100)
		five := int64(5)
		agency, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Agency", Type: sb.WorkspaceAgency, MinuteBudget: &five})
		if err != nil {
			t.Fatal(err)
		}
		client, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Client", ParentID: &agency.ID})
		if err != nil {
			t.Fatal(err)
		}
		two := int64(2)
		client2, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Client 2", ParentID: &agency.ID, MinuteBudget: &two})
		if err != nil {
			t.Fatal(err)
		}
		if r := remaining(client.ID); r != 300 {
			t.Fatalf("client remaining %d, want the agency's 300", r)
		}
		if r := remaining(client2.ID); r != 120 {
			t.Fatalf("budgeted client remaining %d, want its own 120", r)
		}
		if _, _, err := s.ReportCall(ctx, actor, client.ID, callIn("c", callStart, 250)); err != nil {
			t.Fatal(err)
		}
		if r := remaining(client2.ID); r != 50 {
			t.Fatalf("budgeted client remaining %d, want the agency's 50", r)
		}
		if _, _, err := s.ReportCall(ctx, actor, client.ID, callIn("d", callStart, 50)); err != nil {
			t.Fatal(err)
		}
		refused(client.ID)
		refused(client2.ID)
		refused(agency.ID)
		u, err = s.Usage(ctx, actor, agency.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.SecondsUsed != 300 || u.OverBudget || len(u.Clients) != 2 || u.Clients[0].SecondsUsed+u.Clients[1].SecondsUsed != 300 {
			t.Fatalf("agency usage %+v", u)
		}
	})
}

// TestMinuteInvariantsRandomized does random work across an account's workspaces
// (calls, replays, budget changes, grants) and then checks: pool balance = grants −
// usage; each workspace's seconds_used = the seconds of its calls (an agency's plus
// its clients'); authorize's figure for an unbudgeted workspace = the account's
// unallocated seconds.
func TestMinuteInvariantsRandomized(t *testing.T) {
	storetest.Each(t, storetest.Options{DefaultPlan: sb.PlanEnterprise}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(42, 7))
		actor, acct, simple := owner(t, s)
		var granted int64 = 200
		grant(t, s, acct, granted)
		agency, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Agency", Type: sb.WorkspaceAgency})
		if err != nil {
			t.Fatal(err)
		}
		ws := []string{simple, agency.ID}
		parent := map[string]string{}
		for i := range 3 {
			c, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: fmt.Sprintf("Client %d", i), ParentID: &agency.ID})
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, c.ID)
			parent[c.ID] = agency.ID
		}
		other, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, other.ID)
		var reported []string
		for i := range 300 {
			w := ws[rng.IntN(len(ws))]
			switch op := rng.IntN(10); {
			case op < 6:
				ext := fmt.Sprintf("call-%d", i)
				if len(reported) > 0 && rng.IntN(4) == 0 {
					ext = reported[rng.IntN(len(reported))] // a replay, maybe in another workspace
				}
				if _, _, err := s.ReportCall(ctx, actor, w, callIn(ext, callStart.Add(time.Duration(i)*time.Hour), rng.IntN(400))); err != nil {
					t.Fatal(err)
				}
				reported = append(reported, ext)
			case op < 9:
				var b *int64
				if rng.IntN(3) > 0 {
					m := int64(rng.IntN(60))
					b = &m
				}
				_, err := s.SetBudget(ctx, actor, w, sb.BudgetInput{MinuteBudget: b, Given: true})
				if code := sb.ErrorCode(err); err != nil && code != sb.ECodeInsufficientMins && code != sb.ECodeValidation {
					t.Fatal(err)
				}
			default:
				m := int64(rng.IntN(30) + 1)
				grant(t, s, acct, m)
				granted += m
			}
			if i%50 != 49 {
				continue
			}
			own := map[string]int64{}
			var total int64
			for _, w := range ws {
				for _, c := range allCalls(t, s, actor, w) {
					own[w] += c.DurationSeconds
					total += c.DurationSeconds
				}
			}
			a := account(t, s, actor, acct)
			if a.Minutes.BalanceSeconds != granted*60-total {
				t.Fatalf("balance %d, want grants %d − usage %d", a.Minutes.BalanceSeconds, granted*60, total)
			}
			for _, w := range ws {
				want := own[w]
				if w == agency.ID {
					for c, p := range parent {
						if p == w {
							want += own[c]
						}
					}
				}
				if got := workspace(t, s, actor, w).SecondsUsed; got != want {
					t.Fatalf("workspace %s seconds_used %d, want %d", w, got, want)
				}
			}
			if workspace(t, s, actor, simple).MinuteBudget == nil {
				au, err := s.AuthorizeCall(ctx, actor, simple, sb.AuthorizeCallInput{})
				if un := a.Minutes.UnallocatedSeconds; un <= 0 {
					if sb.ErrorCode(err) != sb.ECodeInsufficientMins {
						t.Fatalf("unallocated %d but authorize said %v", un, err)
					}
				} else if err != nil || *au.RemainingSeconds != un {
					t.Fatalf("unallocated %d but authorize said %v %v", un, au, err)
				}
			}
		}
	})
}

func TestAnalyticsByAssistantAndDays(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		ada, err := s.InsertAssistantForTest(ctx, ws, "Ada")
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.InsertAssistantForTest(ctx, ws, "Bob")
		if err != nil {
			t.Fatal(err)
		}
		_, _, otherWS := owner(t, s)
		foreign, err := s.InsertAssistantForTest(ctx, otherWS, "Foreign")
		if err != nil {
			t.Fatal(err)
		}
		report := func(ext string, start time.Time, secs int, assistant *string, outcome string) {
			t.Helper()
			in := callIn(ext, start, secs)
			in.AssistantID, in.Outcome = assistant, outcome
			if _, _, err := s.ReportCall(ctx, actor, ws, in); err != nil {
				t.Fatal(err)
			}
		}
		day0 := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
		report("a1", day0.Add(23*time.Hour+59*time.Minute), 120, &ada, "completed") // counted on its start day
		report("a2", day0.Add(26*time.Hour), 30, &ada, "voicemail")
		report("b1", day0.Add(26*time.Hour), 45, &bob, "completed")
		report("n1", day0.Add(50*time.Hour), 10, nil, "failed")
		report("late", day0.Add(80*time.Hour), 10, &bob, "completed") // outside the range

		// An assistant of another workspace is refused, and nothing is recorded.
		in := callIn("x", day0, 10)
		in.AssistantID = &foreign
		if _, _, err := s.ReportCall(ctx, actor, ws, in); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("foreign assistant: %v, want validation_failed", err)
		}

		an, err := s.Analytics(ctx, actor, ws, sb.AnalyticsQuery{From: day0.Add(time.Hour), To: day0.Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if an.Totals.Calls != 4 || an.Totals.Seconds != 205 {
			t.Fatalf("totals %+v", an.Totals)
		}
		wantOutcomes := map[string]int64{"completed": 2, "voicemail": 1, "failed": 1, "no_answer": 0, "busy": 0, "transferred": 0, "do_not_call": 0}
		if fmt.Sprint(an.Totals.ByOutcome) != fmt.Sprint(wantOutcomes) {
			t.Fatalf("by_outcome %v, want %v", an.Totals.ByOutcome, wantOutcomes)
		}
		if len(an.Series) != 3 || !an.Series[0].Start.Equal(day0) {
			t.Fatalf("series %+v", an.Series)
		}
		for i, want := range []sb.AnalyticsPoint{{Calls: 1, Seconds: 120}, {Calls: 2, Seconds: 75}, {Calls: 1, Seconds: 10}} {
			if an.Series[i].Calls != want.Calls || an.Series[i].Seconds != want.Seconds {
				t.Fatalf("series[%d] %+v, want %+v", i, an.Series[i], want)
			}
		}
		wantAsst := []sb.AssistantStats{{AssistantID: ada, Calls: 2, Seconds: 150, Name: "Ada", WorkspaceID: ws}, {AssistantID: bob, Calls: 1, Seconds: 45, Name: "Bob", WorkspaceID: ws}}
		if fmt.Sprint(an.ByAsst) != fmt.Sprint(wantAsst) {
			t.Fatalf("by_assistant %+v, want %+v", an.ByAsst, wantAsst)
		}
		calls, _, err := s.ListCalls(ctx, actor, ws, sb.CallFilter{AssistantID: bob}, sb.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 2 || calls[0].ExternalID != "late" || calls[1].ExternalID != "b1" {
			t.Fatalf("calls of bob: %+v", calls)
		}
		if _, err := s.Analytics(ctx, actor, ws, sb.AnalyticsQuery{From: day0, To: day0.Add(500 * sb.Day)}); sb.ErrorCode(err) != sb.ECodeValidation {
			t.Fatalf("a 500-day range: %v, want validation_failed", err)
		}
	})
}

// TestReportsRaceBudgetChanges runs reports in an agency and its clients while
// their budgets change: on PostgreSQL a lock-order mistake shows as a deadlock
// error here. Afterwards usage adds up.
func TestReportsRaceBudgetChanges(t *testing.T) {
	storetest.Each(t, storetest.Options{DefaultPlan: sb.PlanEnterprise}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, _ := owner(t, s)
		grant(t, s, acct, 100_000)
		agency, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: "Agency", Type: sb.WorkspaceAgency})
		if err != nil {
			t.Fatal(err)
		}
		ws := []string{agency.ID}
		for i := range 3 {
			c, err := s.CreateWorkspace(ctx, actor, sb.CreateWorkspaceInput{Name: fmt.Sprintf("Client %d", i), ParentID: &agency.ID})
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, c.ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 1))
				for i := range 40 {
					w := ws[rng.IntN(len(ws))]
					if g < 4 {
						_, _, err := s.ReportCall(ctx, actor, w, callIn(fmt.Sprintf("g%d-%d", g, i), callStart, 30))
						errs <- err
						continue
					}
					var b *int64
					if rng.IntN(2) == 0 {
						m := int64(500 + rng.IntN(500))
						b = &m
					}
					_, err := s.SetBudget(ctx, actor, w, sb.BudgetInput{MinuteBudget: b, Given: true})
					if code := sb.ErrorCode(err); code == sb.ECodeInsufficientMins || code == sb.ECodeValidation {
						err = nil
					}
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var clientsUsed, total int64
		for _, w := range ws {
			own := int64(len(allCalls(t, s, actor, w))) * 30
			total += own
			if w != agency.ID {
				clientsUsed += own
				if got := workspace(t, s, actor, w).SecondsUsed; got != own {
					t.Fatalf("client seconds_used %d, want %d", got, own)
				}
			}
		}
		if total != 4*40*30 {
			t.Fatalf("%d seconds of calls recorded, want %d", total, 4*40*30)
		}
		if got := workspace(t, s, actor, agency.ID).SecondsUsed; got != total {
			t.Fatalf("agency seconds_used %d, want %d (own plus clients' %d)", got, total, clientsUsed)
		}
		if got := account(t, s, actor, acct).Minutes.BalanceSeconds; got != 100_000*60-total {
			t.Fatalf("balance %d, want %d", got, 100_000*60-total)
		}
	})
}
