package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// lockTestStore opens a PostgreSQL store whose connections carry their own
// application_name, so that a test can see when one of them waits for a lock.
func lockTestStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	app := "locktest_" + hex.EncodeToString(b)
	s := storetest.Open(t, "postgres", storetest.Options{Configure: func(c *store.Config) {
		c.DatabaseURL += "&application_name=" + app
		c.Mail = transport()
	}}, storetest.NewClock())
	return s, app
}

// untilDoneOrWaiting polls until done is closed or a connection of the store waits
// for a lock (PostgreSQL's own view of it), failing the test after a deadline.
func untilDoneOrWaiting(t *testing.T, db *sql.DB, app string, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return
		default:
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling PostgreSQL's view, not waiting for an outcome
	}
	t.Fatal("the second transaction neither finished nor waited for a lock")
}

// pause makes the store stop at point the first time it reaches it: reached is
// closed there, and it goes on when release is called (at the latest when the test
// ends, so that a failing test does not hang).
func pause(t *testing.T, s *store.Store, point string) (reached chan struct{}, release func()) {
	reached, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(proceed) }) }
	t.Cleanup(release)
	first := true
	s.SetHookForTest(func(p string) {
		if p != point || !first {
			return
		}
		first = false
		close(reached)
		<-proceed
	})
	return reached, release
}

// Accepting an invitation (invitation, then its mail) and the mail worker's
// FinishMail (mail, then invitation) took their locks in opposite orders: a
// deadlock whenever the invitee accepted just as the mail was being recorded.
func TestLockOrderAcceptVersusFinishMail(t *testing.T) {
	s, app := lockTestStore(t)
	ctx := context.Background()
	c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	actor, ws := setup(t, s, c.Addr())
	inv, err := s.CreateInvitation(ctx, actor, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(inv.AcceptURL, "/invite/")
	u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "x@example.com", Password: "correct horse battery", Name: "X"})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimMail(ctx, 10, time.Minute)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claimed %d messages, %v", len(jobs), err)
	}
	reached, release := pause(t, s, "accept.updated")
	acceptErr := make(chan error, 1)
	go func() {
		_, err := s.AcceptInvitation(ctx, sb.Actor{UserID: u.ID, Email: u.Email}, token)
		acceptErr <- err
	}()
	<-reached // the accept holds the invitation's row
	finishDone := make(chan struct{})
	var finishErr error
	go func() {
		defer close(finishDone)
		finishErr = s.FinishMail(ctx, jobs[0], sb.MailResult{Sent: true})
	}()
	untilDoneOrWaiting(t, s.DB(), app, finishDone)
	release()
	if err := <-acceptErr; err != nil {
		t.Fatalf("accept: %v", err)
	}
	<-finishDone
	if finishErr != nil {
		t.Fatalf("finish mail: %v", finishErr)
	}
	if n := s.RetriesForTest(); n != 0 {
		t.Fatalf("%d transactions were retried: the two took their locks in opposite orders", n)
	}
}

// Locking a workspace FOR UPDATE conflicted with the KEY SHARE lock that an insert
// into one of its tables (a call, a membership) takes through the foreign key: the
// report then waited for the workspace lock, which waited for the report.
func TestLockOrderWorkspaceLockVersusForeignKey(t *testing.T) {
	s, app := lockTestStore(t)
	ctx := context.Background()
	actor, acct, ws := owner(t, s)
	grant(t, s, acct, 100)
	reached, release := pause(t, s, "call.inserted")
	reportErr := make(chan error, 1)
	go func() {
		_, _, err := s.ReportCall(ctx, actor, ws, callIn("fk-lock", callStart, 60))
		reportErr <- err
	}()
	<-reached // the report holds KEY SHARE on the workspace through calls.workspace_id
	renameDone := make(chan struct{})
	var renameErr error
	go func() {
		defer close(renameDone)
		name := "Renamed"
		_, renameErr = s.UpdateWorkspace(ctx, actor, ws, sb.UpdateWorkspaceInput{Name: &name})
	}()
	untilDoneOrWaiting(t, s.DB(), app, renameDone)
	release()
	if err := <-reportErr; err != nil {
		t.Fatalf("report: %v", err)
	}
	<-renameDone
	if renameErr != nil {
		t.Fatalf("rename: %v", renameErr)
	}
	if n := s.RetriesForTest(); n != 0 {
		t.Fatalf("%d transactions were retried: the workspace lock waited for the foreign key's share lock", n)
	}
	if got := workspace(t, s, actor, ws); got.SecondsUsed != 60 || got.Name != "Renamed" {
		t.Fatalf("workspace %+v", got)
	}
}

// The store's transaction helper runs a transaction that lost a deadlock again,
// so the caller never sees the deadlock.
func TestRetryOnDeadlock(t *testing.T) {
	s := storetest.Open(t, "postgres", storetest.Options{}, storetest.NewClock())
	ctx := context.Background()
	if _, err := s.DB().Exec(`CREATE TABLE scratch (id TEXT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO scratch VALUES ('a', 0), ('b', 0)`); err != nil {
		t.Fatal(err)
	}
	both := make(chan struct{}, 2)
	barrier := func(attempt int) {
		if attempt > 1 {
			return
		}
		both <- struct{}{}
		deadline := time.Now().Add(20 * time.Second)
		for len(both) < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // polling the barrier
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- s.TouchRowsForTest(ctx, "a", "b", barrier) }()
	go func() { errs <- s.TouchRowsForTest(ctx, "b", "a", barrier) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a caller saw %v", err)
		}
	}
	if s.RetriesForTest() < 1 {
		t.Fatal("no transaction was retried: the two did not deadlock")
	}
	var a, b int
	if err := s.DB().QueryRow(`SELECT (SELECT n FROM scratch WHERE id = 'a'), (SELECT n FROM scratch WHERE id = 'b')`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != 2 || b != 2 {
		t.Fatalf("a=%d b=%d, want 2 and 2 (each transaction applied once)", a, b)
	}
}

// replayBarrier, on PostgreSQL, holds the first k reports of a call between their
// "is it there?" read and their insert until all k are there, so that they really
// race for the insert; the returned check fails the test if they never met. On
// SQLite, whose writer runs one transaction at a time, it does nothing.
func replayBarrier(t *testing.T, s *store.Store, k int64) func() {
	if s.Dialect() != "postgres" {
		return func() {}
	}
	var arrived atomic.Int64
	all := make(chan struct{})
	s.SetHookForTest(func(p string) {
		if p != "call.before_insert" {
			return
		}
		switch n := arrived.Add(1); {
		case n == k:
			close(all)
		case n > k:
			return
		}
		select {
		case <-all:
		case <-time.After(20 * time.Second):
		}
	})
	return func() {
		t.Helper()
		select {
		case <-all:
		default:
			t.Fatalf("only %d of %d reports met at the barrier", arrived.Load(), k)
		}
	}
}
