package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// failFirstFinish is the store, except that recording the first outcome fails, as
// when the worker loses a lock conflict.
type failFirstFinish struct {
	*store.Store
	failed bool
}

func (f *failFirstFinish) FinishMail(ctx context.Context, job sb.MailJob, res sb.MailResult) error {
	if !f.failed {
		f.failed = true
		return errors.New("deadlock detected (simulated)")
	}
	return f.Store.FinishMail(ctx, job, res)
}

// One message whose outcome cannot be recorded does not hold back the others of
// its batch.
func TestMailWorkerEachMessageOnItsOwn(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		actor, ws := setup(t, s, c.Addr())
		for i := range 3 {
			if _, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "p" + strconv.Itoa(i) + "@example.com", Role: sb.RoleMember}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := mail.NewWorker(&failFirstFinish{Store: s}, transport(), mail.WorkerConfig{}).RunOnce(ctx)
		if n != 3 || err == nil {
			t.Fatalf("RunOnce = %d, %v; want 3 tried and the one failure reported", n, err)
		}
		list, err := s.ListInvitations(ctx, actor, ws, "")
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, inv := range list {
			if inv.Delivery.Status == sb.DeliverySent {
				sent++
			}
		}
		if sent != 2 {
			t.Fatalf("%d invitations recorded as sent, want 2 (all but the failed one)", sent)
		}
	})
}

// A claim re-checks the whole condition: a worker that read a message as due
// before another worker claimed and deferred it does not claim it again.
func TestClaimMailExact(t *testing.T) {
	s, _ := lockTestStore(t)
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
	reached, release := pause(t, s, "claim.selected")
	type claim struct {
		jobs []sb.MailJob
		err  error
	}
	first := make(chan claim, 1)
	go func() {
		jobs, err := s.ClaimMail(ctx, 10, time.Minute)
		first <- claim{jobs, err}
	}()
	<-reached // the first worker has read the message as due
	second, err := s.ClaimMail(ctx, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range second {
		if err := s.FinishMail(ctx, job, sb.MailResult{RetryIn: time.Hour, Error: "421 try later"}); err != nil {
			t.Fatal(err)
		}
	}
	release()
	got := <-first
	if got.err != nil {
		t.Fatal(got.err)
	}
	if len(got.jobs)+len(second) != 1 {
		t.Fatalf("the message was claimed %d times", len(got.jobs)+len(second))
	}
	var attempts int
	if err := s.DB().QueryRow(`SELECT attempts FROM mail_outbox`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 {
		t.Fatalf("%d attempts, want 1", attempts)
	}
}

// On SQLite a starting process frees the leases its previous life left behind:
// nobody else can hold them.
func TestStartReleasesOwnLeasesOnSQLite(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, storetest.NewClock())
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
	if jobs, err := s.ClaimMail(ctx, 10, 2*time.Minute); err != nil || len(jobs) != 1 {
		t.Fatalf("claimed %d, %v", len(jobs), err)
	}
	// The process dies here, holding the lease; the next one starts.
	stop, err := s.RunInstance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if jobs, err := s.ClaimMail(ctx, 10, 2*time.Minute); err != nil || len(jobs) != 1 {
		t.Fatalf("after a restart: claimed %d, %v; want the message at once", len(jobs), err)
	}
}

// On PostgreSQL a lease names its instance; once that instance stops beating,
// another takes the work over without waiting for the lease to run out.
func TestDeadInstanceLeasesTakenOver(t *testing.T) {
	clock := storetest.NewClock()
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	key := []byte("one key for both replicas, 32 b.")
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DatabaseURL: url, Now: clock.Now, Password: storetest.FastPasswords, Mail: transport(), SecretKey: key})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	actor, ws := setup(t, a, c.Addr())
	if _, err := a.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember}); err != nil {
		t.Fatal(err)
	}
	if err := a.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if jobs, err := a.ClaimMail(ctx, 10, 2*time.Minute); err != nil || len(jobs) != 1 {
		t.Fatalf("a claimed %d, %v", len(jobs), err)
	}
	if jobs, _ := b.ClaimMail(ctx, 10, 2*time.Minute); len(jobs) != 0 {
		t.Fatal("b claimed a message a holds while a is alive")
	}
	// a dies: b keeps beating, a does not.
	clock.Advance(20 * time.Second)
	if err := b.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := b.ClaimMail(ctx, 10, 2*time.Minute)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("20 s after a's last heartbeat b claimed %d, %v; want the message", len(jobs), err)
	}
	if err := b.FinishMail(ctx, jobs[0], sb.MailResult{Sent: true}); err != nil {
		t.Fatal(err)
	}
	list, _ := b.ListInvitations(ctx, actor, ws, "")
	if list[0].Delivery.Status != sb.DeliverySent {
		t.Fatalf("delivery %+v", list[0].Delivery)
	}
}

// The same for a contact import: a half-done import of an instance that stopped
// beating is resumed by another at once, with no row lost or doubled.
func TestDeadInstanceImportTakenOver(t *testing.T) {
	clock := storetest.NewClock()
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DatabaseURL: url, Now: clock.Now, Password: storetest.FastPasswords, DefaultPlan: sb.PlanEnterprise})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actor, _, ws := owner(t, a)
	var csv strings.Builder
	csv.WriteString("phone\n")
	for i := range 40 {
		fmt.Fprintf(&csv, "+1415%07d\n", 3000000+i)
	}
	imp, err := a.StartImport(ctx, actor, ws, &parts{list: [][2]string{{"file", csv.String()}}}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	dying := a.NewImportWorker()
	dying.BatchRows, dying.MaxBatches = 10, 1
	if _, err := dying.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	taker := b.NewImportWorker()
	taker.BatchRows = 10
	if n, err := taker.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("while a beats, its lease holds: %d %v", n, err)
	}
	clock.Advance(20 * time.Second) // a has died; b beats on
	if err := b.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := taker.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("20 s after a's last heartbeat: %d %v; want the import finished", n, err)
	}
	got, err := b.GetImport(ctx, actor, ws, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "completed" || got.RowsImported != 40 {
		t.Fatalf("import %+v", got)
	}
}
