package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit on SQLite (issue 15). SQLite has one writer: every write
// transaction runs on one connection, one after another, and each COMMIT writes
// the pages it dirtied to the WAL (the account's, the workspace's, the aggregates'
// pages, the same for every report of a workspace). groupUpdate lets concurrent
// callers share one transaction: a batch takes every request queued (up to
// maxGroupBatch), runs each inside its own SAVEPOINT, commits once, and only then
// answers each caller. A request that fails rolls back to its savepoint and gets
// its own error; the others are unaffected. If the COMMIT fails, every request
// that had succeeded gets the commit's error: nobody hears of a change before it
// is durable (as durable as a lone transaction's: the same pragmas).
//
// Who runs the batches: a caller that finds the writer idle runs the first batch
// in its own goroutine (a lone reporter: no goroutine switch, no wake-up); if
// requests queued meanwhile, it wakes the store's group writer, a goroutine that
// runs batch after batch until the queue is empty. So under load the writer never
// waits: an earlier design handed the writer from caller to caller, and the
// caller handed to waited ~0.4 ms in the run queue behind the callers just
// answered (measured under HTTP), while nothing was written. A caller waits for
// at most its own batch and the one before it. Nothing yields to let others join
// a batch: those who come while one runs make the next (a yield cost a lone
// reporter a thread wake-up, ~6 µs of its ~120).
//
// A batch of one runs exactly as update runs it (no savepoint). PostgreSQL, whose
// writers are many, never groups: groupUpdate is update there.
//
// The caller's fn must be a complete transaction body, as for update, whose
// effects outside the database (observer, in-process wake-ups) are left to the
// caller after groupUpdate returns, i.e. after the commit.

// maxGroupBatch bounds a batch, and so the wait of its last caller. Over HTTP a
// batch's callers are answered together, and their responses and next requests
// then crowd the two cores while the writer runs the next batch: smaller batches
// keep that convoy short. With 64 connections over HTTP, 16 gave the most reports
// per second (~18.4k against ~15.8k with 64; 8: ~16.4k; 24 and 32: ~17.8k), at
// ~10 % fewer than 64 for 64 reporters calling the store directly, a load no
// client makes (docs/benchmarks.md, issue 15's fourth round).
const maxGroupBatch = 16

// groupReq is one caller's transaction body and, once answered, its result.
type groupReq struct {
	ctx      context.Context
	fn       func(*tx) error
	err      error
	panicked any
	done     chan struct{} // closed when the request is answered
}

// groupCommit is the queue of requests waiting for SQLite's writer.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupReq
	running bool          // the group writer is running batches (or woken to)
	wake    chan struct{} // wakes the idle group writer; holds at most one
	stop    chan struct{} // closed by Close: the group writer ends when idle
	closed  bool
	start   sync.Once
	// grouped counts the requests run in batches of more than one (tests).
	grouped atomic.Int64
}

// groupUpdate runs fn in a write transaction shared with concurrent callers on
// SQLite (see above), in update's own on PostgreSQL.
func (s *Store) groupUpdate(ctx context.Context, fn func(*tx) error) error {
	if s.dialect != sqlite {
		return s.update(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	g := &s.group
	g.start.Do(func() { go s.groupWriter() })
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return s.update(ctx, fn) // the store is closed: update says so
	}
	g.queue = append(g.queue, r)
	idle := !g.running
	g.running = true
	g.mu.Unlock()
	if idle {
		// The writer is idle: this caller runs the batch itself, sparing a lone
		// reporter the group writer's two wake-ups. If requests queued
		// meanwhile, the group writer takes them on.
		s.runGroupsInline()
		return r.result()
	}
	// The caller waits even if its context ends meanwhile: its request may be in
	// the batch being committed, and its answer must say whether it was.
	<-r.done
	return r.result()
}

// runGroupsInline runs one batch in the calling goroutine (which queued first and
// found the writer idle), then wakes the group writer for what queued meanwhile,
// or, the store being closed, runs that too.
func (s *Store) runGroupsInline() {
	for {
		s.runNextGroup()
		g := &s.group
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		closed := g.closed
		g.mu.Unlock()
		if !closed {
			g.wake <- struct{}{} // the writer is idle (running was ours): never blocks
			return
		}
	}
}

// groupWriter runs the queued requests, batch after batch, until the queue is
// empty, then waits to be woken; it ends when the store closes.
func (s *Store) groupWriter() {
	g := &s.group
	for {
		select {
		case <-g.wake:
		case <-g.stop:
			for s.runNextGroup() { // a wake may have come with it: answer everyone
			}
			return
		}
		for s.runNextGroup() {
		}
	}
}

// runNextGroup runs the next batch of the queue and answers its callers; with
// the queue empty it marks the writer idle and reports false.
func (s *Store) runNextGroup() bool {
	g := &s.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroupBatch)
	if n == 0 {
		g.running = false
		g.mu.Unlock()
		return false
	}
	batch := make([]*groupReq, n)
	copy(batch, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()
	s.runGroup(batch)
	for _, r := range batch {
		close(r.done)
	}
	return true
}

// stopGroupWriter ends the group writer once it is idle (Close); later grouped
// transactions run as update's, and a caller running a batch when it closes runs
// what queued after it itself.
func (s *Store) stopGroupWriter() {
	g := &s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.stop)
	}
}

// result returns the request's answer, panicking again in its caller's goroutine
// if its fn panicked in the goroutine that ran the batch.
func (r *groupReq) result() error {
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// runGroup runs a batch and sets each request's result; it answers nobody.
func (s *Store) runGroup(batch []*groupReq) {
	live := make([]*groupReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	// The batch's own statements use a context that no caller can cancel: an
	// interrupted statement could roll the whole transaction back (callers whose
	// context ended before their turn are skipped above and below).
	bg := context.Background()
	fail := func(err error) {
		for _, r := range live {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	}
	// The batch holds the writer's connection from BEGIN to the end, so that no
	// other transaction can find it mid-transaction after a failed COMMIT.
	conn, err := s.write.Conn(bg)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", err))
		return
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(bg, nil)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", err))
		return
	}
	// A batch of one runs as update runs a transaction: no savepoint, and its
	// failure rolls the transaction back.
	single := len(live) == 1
	if !single {
		s.group.grouped.Add(int64(len(live)))
	}
	// The bodies (call reports) share the writer's caches; they do not bump its
	// epoch (epoch.go).
	epoch := s.caches.epoch.Load()
	stmts := new(map[*sql.Stmt]*sql.Stmt)
	for _, r := range live {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		t := &tx{tx: sqlTx, db: sqlTx, s: s, now: s.cfg.Now().UTC().Truncate(time.Microsecond), write: true, epoch: epoch, stmts: stmts}
		if !single {
			if _, err := t.hotExec(bg, `SAVEPOINT grp`); err != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("store: savepoint: %w", err))
				return
			}
		}
		func() {
			defer func() { r.panicked = recover() }()
			r.err = r.fn(t)
		}()
		if r.err != nil || r.panicked != nil {
			if r.err == nil {
				r.err = errors.New("store: panic in a grouped transaction") // replaced by the panic for its caller
			}
			if single {
				sqlTx.Rollback()
				return
			}
			// Only this request's changes go. If SQLite already rolled the whole
			// transaction back (an I/O error, say), the savepoint is gone: the
			// batch fails as one.
			if _, err := t.hotExec(bg, `ROLLBACK TO grp`); err != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("store: rollback to savepoint: %w", err))
				return
			}
		}
		if single {
			break
		}
		if _, err := t.hotExec(bg, `RELEASE grp`); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("store: release savepoint: %w", err))
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("store: commit: %w", err))
		// A COMMIT refused for a deferred constraint leaves SQLite's transaction
		// open on the writer's one connection: end it (an error when there is none).
		conn.ExecContext(bg, `ROLLBACK`)
	}
}
