package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// signUp creates a user with an account and first workspace, returning the user as
// an actor and the workspace id.
func signUp(t *testing.T, s *store.Store, name string) (sb.Actor, string) {
	t.Helper()
	ctx := context.Background()
	u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: name + "@example.com", Password: "password123", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	actor := sb.Actor{UserID: u.ID, Email: u.Email}
	me, err := s.Me(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	return actor, me.Workspaces[0].ID
}

// TestOwnershipUnderConcurrency races transfers back and forth, role changes and
// removals aimed at the owner and at the would-be owners, and checks that the
// workspace always ends with exactly one owner.
func TestOwnershipUnderConcurrency(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		owner, ws := signUp(t, s, "owner")
		var people []sb.Actor
		for i := 0; i < 4; i++ {
			p, _ := signUp(t, s, fmt.Sprintf("p%d", i))
			if err := s.GrantMembership(ctx, ws, p.UserID, sb.RoleAdmin); err != nil {
				t.Fatal(err)
			}
			people = append(people, p)
		}
		all := append([]sb.Actor{owner}, people...)

		var transfers atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < 24; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				actor := all[g%len(all)]
				target := all[(g+1)%len(all)]
				for i := 0; i < 8; i++ {
					switch (g + i) % 3 {
					case 0:
						// Whoever is owner at this moment may hand over; others are refused.
						if _, err := s.TransferOwnership(ctx, actor, ws, sb.TransferInput{UserID: target.UserID}); err == nil {
							transfers.Add(1)
						}
					case 1:
						s.ChangeRole(ctx, actor, ws, target.UserID, sb.RoleInput{Role: sb.RoleAdmin})
					case 2:
						// Removal of the owner must always fail; others' removals may
						// succeed, so put them back.
						if err := s.RemoveMember(ctx, actor, ws, target.UserID); err == nil {
							s.GrantMembership(ctx, ws, target.UserID, sb.RoleAdmin)
						}
					}
				}
			}(g)
		}
		wg.Wait()
		if transfers.Load() == 0 {
			t.Fatal("no transfer succeeded: the race exercised nothing")
		}

		members, err := s.ListMembers(ctx, owner, ws)
		if err != nil {
			// The original owner may have been removed after losing ownership; ask
			// as whoever still belongs.
			for _, p := range people {
				if members, err = s.ListMembers(ctx, p, ws); err == nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		owners := 0
		for _, m := range members {
			if m.Role == sb.RoleOwner {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%d owners after concurrent changes: %+v", owners, members)
		}
	})
}

// TestOneOwnerEnforcedByDatabase checks that the database itself refuses a second
// owner, whatever the code above it does.
func TestOneOwnerEnforcedByDatabase(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		_, ws := signUp(t, s, "solo")
		other, _ := signUp(t, s, "other")
		if err := s.GrantMembership(context.Background(), ws, other.UserID, sb.RoleOwner); err == nil {
			t.Fatal("a second owner was accepted")
		}
		if err := s.InsertRawOwnerForTest(context.Background(), ws, other.UserID); err == nil {
			t.Fatal("the database accepted a second owner row")
		}
	})
}

// TestOptimizeDeletesExpiredSessions checks the hourly housekeeping.
func TestOptimizeDeletesExpiredSessions(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		_, token, err := s.SignUp(ctx, sb.SignUpInput{Email: "old@example.com", Password: "password123", Name: "Old"})
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := s.Optimize(ctx); err != nil || count() != 1 {
			t.Fatalf("a live session was deleted: %v", err)
		}
		clock.Advance(31 * 24 * time.Hour)
		if _, err := s.Authenticate(ctx, token); err == nil {
			t.Fatal("an expired session still works")
		}
		if err := s.Optimize(ctx); err != nil || count() != 0 {
			t.Fatalf("expired session kept: %v, %d rows", err, count())
		}
	})
}
