package store

import (
	"context"
	"database/sql"
	"errors"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Issue 15: a call report's shared rows (the account, the agency, the workspace)
// are locked by the debit until the commit, and every round trip made while they
// are held serialises all the reports of a workspace. So the report emits its
// call.completed event before the debit (it needs no lock), and the debit's
// UPDATEs return the figures that the budget-threshold check used to read again
// (UPDATE … RETURNING, on both dialects): three round trips fewer under the locks
// on PostgreSQL, and statements fewer on SQLite.

// wsUsage is a workspace's budget figures as its debit left them.
type wsUsage struct {
	budget sql.NullInt64
	used   int64
	name   string
	ok     bool
}

// debitUsage is what debitCallUsage returns: the workspace's and its agency's.
type debitUsage struct {
	self, agency wsUsage
}

// beforeCallDebit emits call.completed, inside the report's transaction, before
// the debit takes the shared locks.
func (t *tx) beforeCallDebit(ctx context.Context, w *wsRow, c *sb.Call) error {
	_, err := t.emit(ctx, w.ID, w.AccountID, sb.EventCallCompleted, c)
	return err
}

// debitCallUsage is debitCall (same statements, same lock order: the account, then
// the agency, then the workspace), returning the workspaces' figures after it.
func (t *tx) debitCallUsage(ctx context.Context, w *wsRow, seconds int64) (debitUsage, error) {
	var u debitUsage
	if seconds == 0 {
		return u, nil
	}
	if t.s.dialect == postgres && !w.ParentID.Valid {
		// One round trip under the locks instead of two. The workspace's UPDATE
		// needs the account's (its WHERE reads the account CTE's result), so the
		// account's row is locked first, as the lock order wants.
		err := t.queryRow(ctx, `WITH a AS (UPDATE accounts SET balance_seconds = balance_seconds - ? WHERE id = ? RETURNING id)
			UPDATE workspaces SET seconds_used = seconds_used + ? WHERE id = ? AND account_id = (SELECT id FROM a)
			RETURNING minute_budget, seconds_used, name`, seconds, w.AccountID, seconds, w.ID).Scan(&u.self.budget, &u.self.used, &u.self.name)
		if errors.Is(err, sql.ErrNoRows) {
			return u, errors.New("store: debit changed no row")
		}
		u.self.ok = err == nil
		return u, err
	}
	res, err := t.hotExec(ctx, `UPDATE accounts SET balance_seconds = balance_seconds - ? WHERE id = ?`, seconds, w.AccountID)
	if err := mustAffect(res, err); err != nil {
		return u, err
	}
	if t.s.dialect == sqlite && !w.ParentID.Valid && !w.MinuteBudget.Valid {
		// A workspace without a budget (as read in this transaction, or cached
		// while nothing else was written: epoch.go) has no thresholds, which need
		// none of its figures: the debit returns none. A query's rows cost a
		// goroutine and their bookkeeping in database/sql, ~20 µs of a report's
		// ~150 µs at one reporter (measured); an UPDATE's result costs neither.
		res, err := t.hotExec(ctx, `UPDATE workspaces SET seconds_used = seconds_used + ? WHERE id = ? AND account_id = ?`, seconds, w.ID, w.AccountID)
		if err := mustAffect(res, err); err != nil {
			return u, err
		}
		u.self = wsUsage{name: w.Name, ok: true}
		return u, nil
	}
	debit := func(id string, out *wsUsage) error {
		err := t.hotQueryRow(ctx, `UPDATE workspaces SET seconds_used = seconds_used + ? WHERE id = ? AND account_id = ?
			RETURNING minute_budget, seconds_used, name`, seconds, id, w.AccountID).Scan(&out.budget, &out.used, &out.name)
		if errors.Is(err, sql.ErrNoRows) {
			return errors.New("store: debit changed no row")
		}
		out.ok = err == nil
		return err
	}
	if w.ParentID.Valid {
		if err := debit(w.ParentID.String, &u.agency); err != nil {
			return u, err
		}
	}
	return u, debit(w.ID, &u.self)
}
