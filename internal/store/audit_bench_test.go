package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// auditBenchWorkspace is a workspace whose log holds n entries, with an admin API key.
func auditBenchWorkspace(b *testing.B, dialect string, n int) (*store.Store, sb.Actor, string, string) {
	b.Helper()
	s := storetest.Open(b, dialect, storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "bench@example.com", Password: "correct horse battery", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	owner := sb.Actor{UserID: u.ID, Email: u.Email}
	list, err := s.ListWorkspaces(ctx, owner)
	if err != nil {
		b.Fatal(err)
	}
	ws := list[0].ID
	for i := range n {
		d := fmt.Sprint(i)
		if _, err := s.UpdateWorkspace(ctx, owner, ws, sb.UpdateWorkspaceInput{Description: &d}); err != nil {
			b.Fatal(err)
		}
	}
	k, err := s.CreateAPIKey(ctx, owner, ws, sb.APIKeyInput{Name: "bench", Role: sb.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	return s, owner, ws, k.Key
}

func auditBenchDialects(b *testing.B, fn func(b *testing.B, dialect string)) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) { fn(b, d) })
	}
}

// BenchmarkListAudit reads the first page (50) of a 2,000-entry log, unfiltered
// and filtered by an action that only the newest entry has.
func BenchmarkListAudit(b *testing.B) {
	auditBenchDialects(b, func(b *testing.B, dialect string) {
		s, owner, ws, _ := auditBenchWorkspace(b, dialect, 2000)
		ctx := context.Background()
		for _, f := range []sb.AuditFilter{{}, {Action: "api_key.created"}} {
			name := "all"
			if f.Action != "" {
				name = "by_action"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.ListAudit(ctx, owner, ws, f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// BenchmarkAuthenticateAPIKey resolves an API key to its actor.
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	auditBenchDialects(b, func(b *testing.B, dialect string) {
		s, _, _, key := auditBenchWorkspace(b, dialect, 0)
		ctx := context.Background()
		for b.Loop() {
			if _, err := s.Authenticate(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuditWrite is one audited change (a rename) in a workspace whose log
// already holds 2,000 entries: the price of the newest-first id.
func BenchmarkAuditWrite(b *testing.B) {
	auditBenchDialects(b, func(b *testing.B, dialect string) {
		s, owner, ws, _ := auditBenchWorkspace(b, dialect, 2000)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			i++
			d := fmt.Sprint("x", i)
			if _, err := s.UpdateWorkspace(ctx, owner, ws, sb.UpdateWorkspaceInput{Description: &d}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
