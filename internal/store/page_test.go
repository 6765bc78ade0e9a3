package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestListsAreBoundedInTheStore: whoever calls a store list (the API, the command
// line, a job), a page holds at most 200 items and defaults to 50.
func TestListsAreBoundedInTheStore(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		owner, ws := signUp(t, s, "pager")
		for i := 0; i < 205; i++ {
			if _, err := s.InsertAssistantForTest(ctx, ws, fmt.Sprintf("a%03d", i)); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {1000, 200}} {
			got, next, err := s.ListAssistants(ctx, owner, ws, sb.Page{Limit: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want || next == "" {
				t.Errorf("limit %d: %d items (next %q), want %d and a next page", c.limit, len(got), next, c.want)
			}
		}
	})
}
