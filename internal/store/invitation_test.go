package store_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var operator = sb.Actor{Operator: true, Email: "operator"}

func transport() *mail.Transport {
	return mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second})
}

// setup signs up an owner on the starter plan with SMTP pointing at addr.
func setup(t testing.TB, s *store.Store, addr string) (sb.Actor, string) {
	t.Helper()
	ctx := context.Background()
	u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "olga@example.com", Password: "correct horse", Name: "Olga"})
	if err != nil {
		t.Fatal(err)
	}
	actor := sb.Actor{UserID: u.ID, Email: u.Email}
	me, err := s.Me(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPlan(ctx, operator, me.Accounts[0].ID, sb.PlanStarter); err != nil {
		t.Fatal(err)
	}
	ws := me.Workspaces[0].ID
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	pw := "smtp-password-42"
	if _, err := s.PutSMTP(ctx, actor, ws, sb.SMTPInput{Host: host, Port: p, Username: "", Password: &pw, FromEmail: "team@example.com", Security: "none"}); err != nil {
		t.Fatal(err)
	}
	return actor, ws
}

func TestSMTPPasswordEncryptedAtRestAndAudited(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		actor, ws := setup(t, s, c.Addr())
		var enc string
		if err := s.DB().QueryRow(`SELECT password_enc FROM smtp_settings`).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		if enc == "" || strings.Contains(enc, "smtp-password-42") {
			t.Fatalf("stored password %q", enc)
		}
		ctx := context.Background()
		inv, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimPrefix(inv.AcceptURL, "/invite/")
		var payload string
		if err := s.DB().QueryRow(`SELECT payload FROM mail_outbox`).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(payload, token) {
			t.Fatal("the outbox holds the token in clear")
		}
		var n int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM invitations WHERE token_hash = '` + strings.ReplaceAll(token, "'", "") + `'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the token is stored in clear (%d, %v)", n, err)
		}
		if err := s.RevokeInvitation(ctx, actor, ws, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutWhiteLabel(ctx, actor, ws, sb.WhiteLabelInput{BrandName: "B"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSMTP(ctx, actor, ws); err != nil {
			t.Fatal(err)
		}
		rows, err := s.DB().Query(`SELECT action, details FROM audit_log ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[string]bool{}
		for rows.Next() {
			var action, details string
			rows.Scan(&action, &details)
			seen[action] = true
			if strings.Contains(details, "smtp-password-42") || strings.Contains(details, token) {
				t.Fatalf("secret in audit details of %s: %s", action, details)
			}
		}
		for _, a := range []string{"smtp.updated", "invitation.created", "invitation.revoked", "white_label.updated", "smtp.deleted"} {
			if !seen[a] {
				t.Errorf("no audit entry %s", a)
			}
		}
	})
}

// A message survives a restart: a worker that claimed it and died holds it only
// until its lease ends; a new store and worker on the same database then send it,
// once.
func TestOutboxSurvivesRestart(t *testing.T) {
	var cfg store.Config
	key := []byte("0123456789abcdef0123456789abcdef")
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail, c.SecretKey = transport(), key; cfg = *c }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		actor, ws := setup(t, s, c.Addr())
		if _, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember}); err != nil {
			t.Fatal(err)
		}
		jobs, err := s.ClaimMail(ctx, 10, 2*time.Minute) // a worker claims it, then the process dies
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim: %v %v", jobs, err)
		}
		s.Close()

		s2, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		w := mail.NewWorker(s2, transport(), mail.WorkerConfig{})
		if n, err := w.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("the lease was not respected: %d %v", n, err)
		}
		clock.Advance(3 * time.Minute)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease: %d %v", n, err)
		}
		clock.Advance(time.Hour)
		w.RunOnce(ctx)
		if len(c.Messages()) != 1 {
			t.Fatalf("%d messages, want 1", len(c.Messages()))
		}
		// The lost worker's late report changes nothing.
		if err := s2.FinishMail(ctx, jobs[0], sb.MailResult{Error: "late"}); err != nil {
			t.Fatal(err)
		}
		list, _ := s2.ListInvitations(ctx, actor, ws, "")
		if list[0].Delivery.Status != sb.DeliverySent {
			t.Fatalf("delivery %+v", list[0].Delivery)
		}
	})
}

// Workers racing for the same outbox send each message once.
func TestOutboxConcurrentWorkers(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		actor, ws := setup(t, s, c.Addr())
		for i := range 4 {
			if _, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "p" + strconv.Itoa(i) + "@example.com", Role: sb.RoleMember}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := mail.NewWorker(s, transport(), mail.WorkerConfig{Batch: 2})
				for range 3 {
					if _, err := w.RunOnce(ctx); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if got := len(c.Messages()); got != 4 {
			t.Fatalf("%d messages, want 4", got)
		}
	})
}

func TestPutSMTPRefusesInternalHosts(t *testing.T) {
	strict := mail.NewTransport(mail.TransportConfig{})
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = strict }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "olga@example.com", Password: "correct horse", Name: "Olga"})
		if err != nil {
			t.Fatal(err)
		}
		actor := sb.Actor{UserID: u.ID, Email: u.Email}
		me, _ := s.Me(ctx, actor)
		for _, host := range []string{"127.0.0.1", "localhost", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.64.1.1", "fd00:ec2::254"} {
			_, err := s.PutSMTP(ctx, actor, me.Workspaces[0].ID, sb.SMTPInput{Host: host, Port: 25, FromEmail: "a@example.com", Security: "none"})
			if sb.ErrorCode(err) != sb.ECodeValidation {
				t.Errorf("%s: %v, want validation_failed", host, err)
			}
		}
	})
}

// A message sealed under another key fails visibly instead of blocking the queue.
func TestOutboxUnreadableMessageFails(t *testing.T) {
	var cfg store.Config
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport(); cfg = *c }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		actor, ws := setup(t, s, c.Addr())
		if _, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember}); err != nil {
			t.Fatal(err)
		}
		cfg.SecretKey = []byte("another key, 32 bytes long......")
		s2, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if _, err := mail.NewWorker(s2, transport(), mail.WorkerConfig{}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := s2.ListInvitations(ctx, actor, ws, "")
		if err != nil {
			t.Fatal(err)
		}
		if list[0].Delivery.Status != sb.DeliveryFailed || !strings.Contains(list[0].Delivery.Error, "secret key") {
			t.Fatalf("delivery %+v", list[0].Delivery)
		}
	})
}
