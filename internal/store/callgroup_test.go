package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Concurrent reports of one account, some of them replays of each other, with no
// test hook set: on PostgreSQL they go through the one-pipeline path and its group
// commit (callpg.go, callpggroup.go), where a replay can meet its original in the
// same group. Each call is created and debited once, and every report of a call
// answers that call.
func TestReportCallConcurrentGroupsWithReplays(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		const calls, copies = 12, 4
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[string]map[string]bool{}
		created := map[string]int{}
		errs := make(chan error, calls*copies)
		for i := range calls * copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := i % calls
				ext := fmt.Sprintf("mix-%d", k)
				c, isNew, err := s.ReportCall(ctx, actor, ws, callIn(ext, callStart.Add(time.Duration(k)*time.Minute), 30+k))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ids[ext] == nil {
					ids[ext] = map[string]bool{}
				}
				ids[ext][c.ID] = true
				if isNew {
					created[ext]++
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		want := int64(0)
		for k := range calls {
			ext := fmt.Sprintf("mix-%d", k)
			if created[ext] != 1 || len(ids[ext]) != 1 {
				t.Fatalf("%s: created %d times, answered with %d ids, want 1 and 1", ext, created[ext], len(ids[ext]))
			}
			want += int64(30 + k)
		}
		if got := workspace(t, s, actor, ws).SecondsUsed; got != want {
			t.Fatalf("seconds_used %d, want %d (each call debited once)", got, want)
		}
		if got := account(t, s, actor, acct).Minutes.BalanceSeconds; got != 1000*60-want {
			t.Fatalf("balance %d, want %d", got, 1000*60-want)
		}
		an, err := s.Analytics(ctx, actor, ws, sb.AnalyticsQuery{From: callStart.Add(-time.Hour), To: callStart.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if an.Totals.Calls != calls || an.Totals.Seconds != want {
			t.Fatalf("analytics %d calls, %d s; want %d, %d", an.Totals.Calls, an.Totals.Seconds, calls, want)
		}
	})
}
