package store

import (
	"context"
)

// HoldWriterForTest runs a grouped transaction that waits for release, so that
// the requests made meanwhile queue for the next batch; queued says how many wait.
// done receives the held transaction's result.
func (s *Store) HoldWriterForTest(ctx context.Context) (queued func() int, release func(), done <-chan error) {
	held, rel, out := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		out <- s.groupUpdate(ctx, func(*tx) error {
			close(held)
			<-rel
			return nil
		})
	}()
	<-held
	queued = func() int {
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		return len(s.group.queue)
	}
	return queued, func() { close(rel) }, out
}

// GroupedForTest is how many requests ran in batches of more than one.
func (s *Store) GroupedForTest() int64 { return s.group.grouped.Load() }

// UncommittableWriteForTest is a grouped transaction whose body succeeds and
// whose COMMIT fails: it defers foreign keys and inserts a call of a workspace
// that does not exist, which SQLite refuses at COMMIT.
func (s *Store) UncommittableWriteForTest(ctx context.Context) error {
	return s.groupUpdate(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES ('cal_orphan', 'ws_none', 'orphan', 'outbound', '+1', '+2', 0, 0, 0, 'completed', NULL, NULL, NULL, 0)`)
		return err
	})
}

// GroupedWriteForTest is a grouped transaction that inserts a scratch row
// (PrepareRawBenchmark's table) and then fails with fail, if not nil.
func (s *Store) GroupedWriteForTest(ctx context.Context, id string, fail error) error {
	return s.groupUpdate(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO bench_rows (id, workspace_id, n, created_at) VALUES (?, 'ws', 0, 0)`, id); err != nil {
			return err
		}
		return fail
	})
}

// PanickingWriteForTest is a grouped transaction that inserts a scratch row and
// then panics.
func (s *Store) PanickingWriteForTest(ctx context.Context, id string) error {
	return s.groupUpdate(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO bench_rows (id, workspace_id, n, created_at) VALUES (?, 'ws', 0, 0)`, id); err != nil {
			return err
		}
		panic("grouped body panics")
	})
}
