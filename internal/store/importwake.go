package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// importNotifyChannel is the PostgreSQL LISTEN/NOTIFY channel on which a queued
// import wakes the import workers of every replica.
const importNotifyChannel = "switchboard_imports"

// importWaker wakes the import workers of this process at once when an import is
// queued, instead of leaving it for their next poll. Its zero value is ready.
type importWaker struct {
	once sync.Once
	ch   chan struct{}
}

func (w *importWaker) c() chan struct{} {
	w.once.Do(func() { w.ch = make(chan struct{}, 1) })
	return w.ch
}

// wake signals a waiting worker; it never blocks (a wake-up already pending is
// enough, since a worker claims every ready import before it waits again).
func (w *importWaker) wake() {
	select {
	case w.c() <- struct{}{}:
	default:
	}
}

// importQueued is called inside the transaction that queues an import: on
// PostgreSQL it sends a notification, delivered to the other replicas when the
// transaction commits (several in one transaction are folded into one, so running
// the closure twice is harmless). The caller wakes this process's workers after
// the commit with s.importWake.wake().
func (t *tx) importQueued(ctx context.Context) error {
	if t.s.dialect != postgres {
		return nil
	}
	_, err := t.exec(ctx, `SELECT pg_notify('`+importNotifyChannel+`', '')`)
	return err
}

// listenImports holds one PostgreSQL connection LISTENing for queued imports and
// wakes this process's workers on each notification, until ctx ends. On an error
// it reconnects after a pause; the worker's poll covers the gap.
func (s *Store) listenImports(ctx context.Context) {
	if s.dialect != postgres {
		return
	}
	for ctx.Err() == nil {
		err := s.listenImportsOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		s.cfg.Logger.Warn("contact imports: LISTEN failed; polling until it reconnects", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

func (s *Store) listenImportsOnce(ctx context.Context) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		err := func() error {
			if _, err := pc.Exec(ctx, "LISTEN "+importNotifyChannel); err != nil {
				return err
			}
			// Anything queued before the LISTEN took effect is found by this wake-up.
			s.importWake.wake()
			for {
				if _, err := pc.WaitForNotification(ctx); err != nil {
					return err
				}
				s.importWake.wake()
			}
		}()
		// A connection that was listening is not handed back to the pool.
		return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
	})
}
