package store

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
)

// A serving process is an instance. On PostgreSQL, where several replicas share the
// queues, it writes a heartbeat row every few seconds and names itself on every
// lease it takes (mail_outbox.lease_instance, contact_imports.lease_instance); a
// lease whose instance has missed its heartbeats for instanceStale is free, so a
// killed replica's mail and imports are taken over within seconds rather than when
// the lease runs out. On SQLite one process serves a database: when it starts it
// clears the leases left by its own previous life.

// instanceStale is how long an instance may go without a heartbeat before its
// leases are free; heartbeatEvery is how often a live one beats.
const (
	instanceStale  = 15 * time.Second
	heartbeatEvery = 3 * time.Second
)

// InstanceID names this process in leases and in the instances table.
func (s *Store) InstanceID() string { return s.instanceID }

// Heartbeat records that this instance is alive (PostgreSQL only); from the first
// beat on, the leases it takes name it.
func (s *Store) Heartbeat(ctx context.Context) error {
	if s.dialect != postgres {
		return nil
	}
	err := s.update(ctx, func(t *tx) error {
		now := t.now.UnixMicro()
		if _, err := t.exec(ctx, `INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, s.instanceID, now, now); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM instances WHERE heartbeat_at < ? AND id <> ?`, t.now.Add(-24*time.Hour).UnixMicro(), s.instanceID)
		return err
	})
	if err == nil {
		s.live.Store(true)
	}
	return err
}

// RunInstance keeps this process's leases recoverable until stop is called: on
// SQLite it clears stale leases once (nobody else can hold them); on PostgreSQL it
// beats, and stop marks the instance gone so that what it still holds is free at
// once. Call stop after the workers have stopped.
func (s *Store) RunInstance(ctx context.Context) (stop func(), err error) {
	if s.dialect != postgres {
		return func() {}, s.ReleaseLeases(ctx)
	}
	if err := s.Heartbeat(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(heartbeatEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				end, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				s.write.ExecContext(end, s.rebind(`UPDATE instances SET heartbeat_at = 0 WHERE id = ?`), s.instanceID)
				return
			case <-tick.C:
				if err := s.Heartbeat(ctx); err != nil && ctx.Err() == nil {
					s.cfg.Logger.Warn("instance heartbeat", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// ReleaseLeases frees every lease on mail and imports. Only a process that knows it
// is the only one serving the database (SQLite, at start) may call it.
func (s *Store) ReleaseLeases(ctx context.Context) error {
	return s.update(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `UPDATE mail_outbox SET locked_until = NULL WHERE status = 'pending' AND locked_until IS NOT NULL`); err != nil {
			return err
		}
		_, err := t.exec(ctx, `UPDATE contact_imports SET locked_until = NULL, lease_owner = NULL WHERE status = 'running'`)
		return err
	})
}

// leaseFree is the condition (with its two arguments) under which a lease may be
// taken: none held, run out, or held by an instance that stopped beating.
func (t *tx) leaseFree() (string, []any) {
	now := t.now.UnixMicro()
	return `(locked_until IS NULL OR locked_until < ? OR lease_instance IN (SELECT id FROM instances WHERE heartbeat_at < ?))`,
		[]any{now, t.now.Add(-instanceStale).UnixMicro()}
}

// leaseInstance is the instance a new lease names: this one once it beats.
func (s *Store) leaseInstance() any {
	if s.live.Load() {
		return s.instanceID
	}
	return nil
}

func newInstanceID() string { return secret.NewID("ins", time.Now()) }
