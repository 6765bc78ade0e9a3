package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// maxAttempts is how many times run tries a transaction that PostgreSQL aborted
// for a serialization failure or a deadlock.
const maxAttempts = 5

// isRetryable reports, by SQLSTATE, whether err aborted a transaction that may
// simply run again: 40001 (serialization failure) and 40P01 (deadlock detected).
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// sleepJitter waits a random time that grows with the attempt (up to 5, 10, 20,
// 40 ms), so that the transactions that collided do not collide again.
func sleepJitter(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(5*time.Millisecond) << (attempt - 1)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxConns is the PostgreSQL pool's size.
func (c Config) maxConns() int {
	if c.MaxConns > 0 {
		return c.MaxConns
	}
	return 20
}

// at calls the test hook, if one is set, at a named point of a transaction.
func (t *tx) at(point string) {
	if h := t.s.hook; h != nil {
		h(point)
	}
}

// lockAccountOf locks the account of a workspace, on PostgreSQL, before the
// workspace itself is locked: the store's one lock order is account → workspace →
// rows inside it. Nothing is locked when the workspace does not exist.
func (t *tx) lockAccountOf(ctx context.Context, workspaceID string) error {
	if t.s.dialect != postgres {
		return nil
	}
	rows, err := t.query(ctx, `SELECT id FROM accounts WHERE id = (SELECT account_id FROM workspaces WHERE id = ?)`+t.forUpdate(), workspaceID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// skipLocked lets a claim on PostgreSQL pass over rows another worker is claiming
// at this moment, and lock the ones it reads until it commits.
func (t *tx) skipLocked() string {
	if t.s.dialect == postgres {
		return " FOR NO KEY UPDATE SKIP LOCKED"
	}
	return ""
}
