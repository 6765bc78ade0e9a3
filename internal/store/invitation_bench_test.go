package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// BenchmarkInvitationAndDelivery measures creating an invitation (with its outbox
// row) and delivering it over SMTP to a loopback server, on SQLite.
func BenchmarkInvitationAndDelivery(b *testing.B) {
	clock := storetest.NewClock()
	s := storetest.Open(b, "sqlite", storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, clock)
	c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{Max: 10})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	actor, ws := setup(b, s, c.Addr())
	ctx := context.Background()
	me, _ := s.Me(ctx, actor)
	if _, err := s.SetPlan(ctx, operator, me.Accounts[0].ID, sb.PlanEnterprise); err != nil {
		b.Fatal(err)
	}
	w := mail.NewWorker(s, transport(), mail.WorkerConfig{Batch: 50})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "p" + strconv.Itoa(i) + "@example.com", Role: sb.RoleMember}); err != nil {
			b.Fatal(err)
		}
		if i%50 == 49 {
			if _, err := w.RunOnce(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	w.RunOnce(ctx)
}
