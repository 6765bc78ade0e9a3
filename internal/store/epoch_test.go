package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The caches of epoch.go (SQLite) must never let a change be missed: each case
// fills a cache, changes what it holds through the API, and expects the change at
// once. The same cases run on PostgreSQL, which caches nothing.

func TestEpochCachedAuthEndsWithItsSessionOrKey(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		u := newOwner(t, s)
		token, actor, ws := u.token, u.actor, u.workspace
		if again, err := s.Authenticate(ctx, token); err != nil || again.UserID != actor.UserID {
			t.Fatalf("second authentication: %+v, %v", again, err)
		}
		key, err := s.CreateAPIKey(ctx, actor, ws, sb.APIKeyInput{Name: "engine", Role: sb.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		keyActor, err := s.Authenticate(ctx, key.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key.Key); err != nil {
			t.Fatal(err)
		}

		if err := s.RevokeAPIKey(ctx, actor, ws, keyActor.APIKeyID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key.Key); sb.ErrorCode(err) != sb.ECodeUnauthorized {
			t.Fatalf("a revoked key authenticated: %v", err)
		}
		if err := s.LogOut(ctx, actor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); sb.ErrorCode(err) != sb.ECodeUnauthorized {
			t.Fatalf("a session logged out authenticated: %v", err)
		}

		// An expired session fails even while its entry is cached.
		_, token2, err := s.LogIn(ctx, sb.LoginInput{Email: u.email, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token2); err != nil {
			t.Fatal(err)
		}
		clock.Advance(31 * 24 * time.Hour)
		if _, err := s.Authenticate(ctx, token2); sb.ErrorCode(err) != sb.ECodeUnauthorized {
			t.Fatalf("an expired session authenticated: %v", err)
		}
	})
}

func TestEpochCachedReportAccessEndsWithTheMembership(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		ownerActor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		admin, _, _ := owner(t, s)
		if err := s.GrantMembership(ctx, ws, admin.UserID, sb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		for i := range 2 { // the second report finds the access cached
			if _, _, err := s.ReportCall(ctx, admin, ws, callIn(fmt.Sprintf("m%d", i), callStart, 30)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ChangeRole(ctx, ownerActor, ws, admin.UserID, sb.RoleInput{Role: sb.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ReportCall(ctx, admin, ws, callIn("m-viewer", callStart, 30)); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Fatalf("a viewer reported a call: %v", err)
		}
		if _, err := s.ChangeRole(ctx, ownerActor, ws, admin.UserID, sb.RoleInput{Role: sb.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ReportCall(ctx, admin, ws, callIn("m-admin-again", callStart, 30)); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, ownerActor, ws, admin.UserID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ReportCall(ctx, admin, ws, callIn("m-removed", callStart, 30)); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("a removed member reported a call: %v", err)
		}
	})
}

// TestEpochPoolBoundFiresOnTheCrossingReport reports one-minute calls against a
// grant of 100 minutes: the low-pool alert is due when fewer than 10 minutes are
// unallocated, i.e. at the 91st call and not before, although the reports between
// the first and the crossing skip the check on the cached bound. Half way, a
// grant of 100 minutes comes through a second store on the same database, as the
// operator command `switchboard minutes grant` does from another process (no
// epoch of this store sees it): the alert is then due at the 100th call after it.
func TestEpochPoolBoundFiresOnTheCrossingReport(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			clock := storetest.NewClock()
			// Two stores on one database, as two processes have.
			var opts storetest.Options
			if dialect == "sqlite" {
				dir := t.TempDir()
				opts.Configure = func(c *store.Config) { c.DataDir = dir }
			} else {
				u := storetest.PostgresSchema(t)
				opts.Configure = func(c *store.Config) { c.DatabaseURL = u }
			}
			s := storetest.Open(t, dialect, opts, clock)
			other := func() *store.Store { return storetest.Open(t, dialect, opts, clock) }
			ctx := context.Background()
			actor, acct, ws := owner(t, s)
			grant(t, s, acct, 100)
			n := 0
			reportUpTo := func(last int) {
				t.Helper()
				for ; n < last; n++ {
					if _, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("p%d", n), callStart.Add(time.Duration(n)*time.Minute), 60)); err != nil {
						t.Fatal(err)
					}
				}
			}
			poolLow := func() int {
				t.Helper()
				events, _, err := s.ListAlerts(ctx, actor, ws, sb.Page{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				k := 0
				for _, e := range events {
					if e.Type == sb.EventPoolLow {
						k++
					}
				}
				return k
			}
			reportUpTo(90) // 10 minutes left: not yet
			if k := poolLow(); k != 0 {
				t.Fatalf("%d pool.low alerts with 10 of 100 minutes left, want 0", k)
			}
			reportUpTo(91) // 9 left
			if k := poolLow(); k != 1 {
				t.Fatalf("%d pool.low alerts with 9 of 100 minutes left, want 1", k)
			}

			// Back far from the threshold: a grant from another process.
			if _, err := other().GrantMinutes(ctx, operator, acct, sb.GrantInput{Minutes: 100}); err != nil {
				t.Fatal(err)
			}
			reportUpTo(91 + 99) // 109 minutes after the grant, 99 used: 10 left
			if k := poolLow(); k != 1 {
				t.Fatalf("%d pool.low alerts with 10 of the second grant's 100 minutes left, want 1", k)
			}
			reportUpTo(91 + 100) // 9 left
			if k := poolLow(); k != 2 {
				t.Fatalf("%d pool.low alerts with 9 of the second grant's 100 minutes left, want 2", k)
			}
		})
	}
}

// TestEpochBudgetSetAfterCachedAccess: a workspace without a budget debits without
// reading its figures back (callperf.go) on the workspace its access check cached;
// a budget set since must reach the very next report, whose threshold fires.
func TestEpochBudgetSetAfterCachedAccess(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		actor, acct, ws := owner(t, s)
		grant(t, s, acct, 1000)
		for i := range 2 {
			if _, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("b%d", i), callStart, 30)); err != nil {
				t.Fatal(err)
			}
		}
		budget := int64(10)
		if _, err := s.SetBudget(ctx, actor, ws, sb.BudgetInput{MinuteBudget: &budget, Given: true}); err != nil {
			t.Fatal(err)
		}
		// 1 minute used, then 5 more: 60 % of 10 minutes.
		if _, _, err := s.ReportCall(ctx, actor, ws, callIn("b-over-half", callStart, 300)); err != nil {
			t.Fatal(err)
		}
		events, _, err := s.ListAlerts(ctx, actor, ws, sb.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events {
			found = found || e.Type == sb.EventBudgetThreshold
		}
		if !found {
			t.Fatalf("no budget.threshold alert after 6 of 10 budgeted minutes: %+v", events)
		}
	})
}
