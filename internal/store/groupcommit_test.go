package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Group commit on SQLite (groupcommit.go): requests that queue while the writer
// is busy run as one transaction, each in its own savepoint.

// inOneBatch holds the writer, starts each of fns in its own goroutine, waits
// until all of them are queued, then lets them run: they form one batch. It
// returns their errors, in order.
func inOneBatch(t *testing.T, s *store.Store, fns ...func() error) []error {
	t.Helper()
	ctx := context.Background()
	queued, release, held := s.HoldWriterForTest(ctx)
	errs := make([]chan error, len(fns))
	for i, fn := range fns {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- fn() }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for queued() < len(fns) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests queued", queued(), len(fns))
		}
		time.Sleep(time.Millisecond) // polling the queue
	}
	before := s.GroupedForTest()
	release()
	if err := <-held; err != nil {
		t.Fatalf("held transaction: %v", err)
	}
	out := make([]error, len(fns))
	for i := range fns {
		out[i] = <-errs[i]
	}
	if got := s.GroupedForTest() - before; got != int64(len(fns)) {
		t.Fatalf("%d requests ran grouped, want the %d in one batch", got, len(fns))
	}
	return out
}

// A report that fails after its call's INSERT (an unknown dispatch) rolls back
// only its own savepoint: the other reports of its batch are recorded and
// debited, and it leaves nothing behind.
func TestGroupCommitFailingReportAffectsNoOther(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	actor, acct, ws := owner(t, s)
	grant(t, s, acct, 100)
	bad := callIn("gc-bad", callStart, 60)
	bad.DispatchID = ptr("att_unknown")
	var good1, good2 *sb.Call
	errs := inOneBatch(t, s,
		func() (err error) {
			good1, _, err = s.ReportCall(ctx, actor, ws, callIn("gc-1", callStart, 60))
			return
		},
		func() error { _, _, err := s.ReportCall(ctx, actor, ws, bad); return err },
		func() (err error) {
			good2, _, err = s.ReportCall(ctx, actor, ws, callIn("gc-2", callStart, 120))
			return
		},
	)
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the good reports failed: %v, %v", errs[0], errs[2])
	}
	if sb.ErrorCode(errs[1]) != sb.ECodeValidation {
		t.Fatalf("the bad report: %v, want its own validation error", errs[1])
	}
	calls, _, err := s.ListCalls(ctx, actor, ws, sb.CallFilter{}, sb.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || good1 == nil || good2 == nil {
		t.Fatalf("%d calls stored, want the 2 good ones", len(calls))
	}
	for _, c := range calls {
		if c.ExternalID == "gc-bad" {
			t.Fatal("the failed report's call was kept")
		}
	}
	if got := workspace(t, s, actor, ws); got.SecondsUsed != 180 {
		t.Fatalf("seconds used %d, want 180 (the two good calls only)", got.SecondsUsed)
	}
	if got := account(t, s, actor, acct); got.Minutes.BalanceSeconds != 100*60-180 {
		t.Fatalf("balance %d, want %d", got.Minutes.BalanceSeconds, 100*60-180)
	}
}

// Two reports of one call in one batch record one call: the second is answered
// as a replay with the first's call, and the workspace is debited once.
func TestGroupCommitReplayInOneBatch(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	actor, acct, ws := owner(t, s)
	grant(t, s, acct, 100)
	var calls [2]*sb.Call
	var created [2]bool
	errs := inOneBatch(t, s,
		func() (err error) {
			calls[0], created[0], err = s.ReportCall(ctx, actor, ws, callIn("gc-same", callStart, 60))
			return
		},
		func() (err error) {
			calls[1], created[1], err = s.ReportCall(ctx, actor, ws, callIn("gc-same", callStart, 60))
			return
		},
	)
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("reports: %v, %v", errs[0], errs[1])
	}
	if created[0] == created[1] {
		t.Fatalf("created %v and %v, want exactly one created", created[0], created[1])
	}
	if calls[0].ID != calls[1].ID {
		t.Fatalf("two calls %s and %s for one external_id", calls[0].ID, calls[1].ID)
	}
	if got := workspace(t, s, actor, ws); got.SecondsUsed != 60 {
		t.Fatalf("seconds used %d, want 60 (one debit)", got.SecondsUsed)
	}
}

// When the batch's COMMIT fails, every request of the batch gets the error, none
// of their changes is kept, and the writer works afterwards.
func TestGroupCommitCommitErrorReachesEveryWaiter(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	if err := s.PrepareRawBenchmark(ctx); err != nil {
		t.Fatal(err)
	}
	actor, acct, ws := owner(t, s)
	grant(t, s, acct, 100)
	errs := inOneBatch(t, s,
		func() error { return s.GroupedWriteForTest(ctx, "row-1", nil) },
		func() error { _, _, err := s.ReportCall(ctx, actor, ws, callIn("gc-lost", callStart, 60)); return err },
		func() error { return s.UncommittableWriteForTest(ctx) },
		func() error { return s.GroupedWriteForTest(ctx, "row-2", nil) },
	)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Fatalf("request %d: %v, want the commit's error", i, err)
		}
	}
	var n int
	if err := s.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM bench_rows) + (SELECT COUNT(*) FROM calls)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows kept from a batch whose commit failed", n)
	}
	if got := workspace(t, s, actor, ws); got.SecondsUsed != 0 {
		t.Fatalf("seconds used %d after a failed commit", got.SecondsUsed)
	}
	// The writer is usable again, alone and grouped.
	if _, created, err := s.ReportCall(ctx, actor, ws, callIn("gc-lost", callStart, 60)); err != nil || !created {
		t.Fatalf("report after the failed batch: created %v, %v", created, err)
	}
	want := errors.New("this one fails")
	errs = inOneBatch(t, s,
		func() error { return s.GroupedWriteForTest(ctx, "row-3", nil) },
		func() error { return s.GroupedWriteForTest(ctx, "row-4", want) },
	)
	if errs[0] != nil || !errors.Is(errs[1], want) {
		t.Fatalf("after the failed batch: %v, %v", errs[0], errs[1])
	}
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM bench_rows`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows, want row-3 alone (%v)", n, err)
	}
}

// A caller whose context has ended before its batch runs gets the context's
// error, and its change is not made.
func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	if err := s.PrepareRawBenchmark(ctx); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	queued, release, held := s.HoldWriterForTest(ctx)
	errc := make(chan error, 2)
	go func() { errc <- s.GroupedWriteForTest(gone, "cancelled", nil) }()
	go func() { errc <- s.GroupedWriteForTest(ctx, "kept", nil) }()
	deadline := time.Now().Add(20 * time.Second)
	for queued() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the requests never queued")
		}
		time.Sleep(time.Millisecond) // polling the queue
	}
	cancel()
	release()
	<-held
	var cancelled int
	for range 2 {
		if err := <-errc; errors.Is(err, context.Canceled) {
			cancelled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	ids := benchRowIDs(t, s)
	if cancelled != 1 || fmt.Sprint(ids) != "[kept]" {
		t.Fatalf("%d cancelled, rows %v; want 1 and [kept]", cancelled, ids)
	}
}

// The reports of a batch share their access checks only between the same rights:
// an actor without a role in the workspace is refused even when a report of the
// owner, in the same batch, was let in before it.
func TestGroupCommitAccessPerActor(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	actor, acct, ws := owner(t, s)
	grant(t, s, acct, 100)
	outsider, _, _ := owner(t, s)
	errs := inOneBatch(t, s,
		func() error { _, _, err := s.ReportCall(ctx, actor, ws, callIn("gc-owner", callStart, 60)); return err },
		func() error {
			_, _, err := s.ReportCall(ctx, outsider, ws, callIn("gc-outsider", callStart, 60))
			return err
		},
		func() error {
			_, _, err := s.ReportCall(ctx, actor, ws, callIn("gc-owner-2", callStart, 60))
			return err
		},
	)
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the owner's reports: %v, %v", errs[0], errs[2])
	}
	if c := sb.ErrorCode(errs[1]); c != sb.ECodeNotFound && c != sb.ECodeForbidden {
		t.Fatalf("the outsider's report: %v, want it refused", errs[1])
	}
	if got := workspace(t, s, actor, ws); got.SecondsUsed != 120 {
		t.Fatalf("seconds used %d, want 120", got.SecondsUsed)
	}
}

// On SQLite, emit skips the webhooks read for a workspace seen to have none: every
// webhook create, update and delete forgets that, so a call reported after the
// change is offered to the webhooks the change left (call.completed is kept only
// when an enabled webhook wants it).
func TestWebhookChangesReachTheNextReport(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 100)
		seq := 0
		reportKept := func(want bool) {
			t.Helper()
			seq++
			c, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("wh-%d", seq), callStart, 10))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			q := `SELECT COUNT(*) FROM events WHERE workspace_id = ? AND type = ? AND data LIKE ?`
			if s.Dialect() == "postgres" {
				q = `SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND type = $2 AND data LIKE $3`
			}
			if err := s.DB().QueryRow(q, ws, sb.EventCallCompleted, "%"+c.ID+"%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if (n == 1) != want {
				t.Fatalf("report %d: %d call.completed events kept, want kept=%v", seq, n, want)
			}
		}
		reportKept(false) // no webhook: nothing kept (and SQLite remembers "none")
		h, err := s.CreateWebhook(ctx, actor, ws, sb.WebhookInput{URL: "https://hooks.example.com/h", Events: []string{sb.EventCallCompleted}})
		if err != nil {
			t.Fatal(err)
		}
		reportKept(true)
		off, on := false, true
		if _, err := s.UpdateWebhook(ctx, actor, ws, h.ID, sb.WebhookPatch{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		reportKept(false)
		if _, err := s.UpdateWebhook(ctx, actor, ws, h.ID, sb.WebhookPatch{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		reportKept(true)
		if err := s.DeleteWebhook(ctx, actor, ws, h.ID); err != nil {
			t.Fatal(err)
		}
		reportKept(false)
		if _, err := s.CreateWebhook(ctx, actor, ws, sb.WebhookInput{URL: "https://hooks.example.com/again", Events: []string{sb.EventCallCompleted}}); err != nil {
			t.Fatal(err)
		}
		reportKept(true)
	})
}

// A body that panics, alone or in a batch, panics again in its own caller's
// goroutine; its changes are rolled back, the others of its batch are kept, and the
// writer is not left inside a transaction.
func TestGroupCommitPanicStaysWithItsCaller(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	if err := s.PrepareRawBenchmark(ctx); err != nil {
		t.Fatal(err)
	}
	panicking := func(id string) func() error {
		return func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panicked: %v", p)
				}
			}()
			return s.PanickingWriteForTest(ctx, id)
		}
	}
	if err := panicking("alone")(); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("a lone panicking body: %v, want its panic", err)
	}
	if err := s.GroupedWriteForTest(ctx, "after-alone", nil); err != nil {
		t.Fatalf("the writer after a lone panic: %v", err)
	}
	errs := inOneBatch(t, s,
		func() error { return s.GroupedWriteForTest(ctx, "kept-1", nil) },
		panicking("in-batch"),
		func() error { return s.GroupedWriteForTest(ctx, "kept-2", nil) },
	)
	if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "panicked") {
		t.Fatalf("batch with a panic: %v", errs)
	}
	ids := benchRowIDs(t, s)
	if fmt.Sprint(ids) != "[after-alone kept-1 kept-2]" {
		t.Fatalf("rows %v", ids)
	}
}

// benchRowIDs returns the ids of the scratch table's rows, in order.
func benchRowIDs(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT id FROM bench_rows ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
