package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// afterCallReportedUsage runs inside a call report's transaction, after the debit:
// it announces the budget thresholds and the low pool the
// call's seconds crossed. The debit has already locked the workspace, its agency
// and the account, so the checks below read figures no concurrent report can
// change, and each alert is claimed by a conditional UPDATE checked by rows
// affected: of any number of reports crossing a threshold together, on any number
// of replicas, exactly one announces it.
//
// It is given what the debit's UPDATEs returned (callperf.go),
// so that the thresholds need not read the rows again; call.completed is emitted
// by beforeCallDebit, before the debit takes the locks.
func (t *tx) afterCallReportedUsage(ctx context.Context, actor sb.Actor, w *wsRow, c *sb.Call, usage debitUsage) error {
	if c.DurationSeconds <= 0 {
		return nil
	}
	// On SQLite, an account known to be far from the low-pool alert skips its
	// check (epoch.go); the debit is taken off the bound either way.
	far := t.poolFar(w.AccountID, c.DurationSeconds)
	drawsOnAccount, err := t.checkThresholdsKnown(ctx, actor, w.ID, w.AccountID, usage.self)
	if err != nil {
		return err
	}
	if w.ParentID.Valid {
		agencyDraws, err := t.checkThresholdsKnown(ctx, actor, w.ParentID.String, w.AccountID, usage.agency)
		if err != nil {
			return err
		}
		drawsOnAccount = drawsOnAccount && agencyDraws
	}
	// A call within a budget leaves the account's unallocated minutes as they
	// were (the budget had set them aside): only a call drawing on the account, or
	// going past its budget, can make the pool run low.
	if !drawsOnAccount || far {
		return nil
	}
	return t.checkPoolLow(ctx, actor, w.ID, w.AccountID)
}

// checkThresholds announces each threshold of the workspace's budget that its usage
// has reached and that has not been announced for this budget value. It reports
// whether the workspace's calls draw on its account: it has no budget, or has
// gone past it.
//
// It reads the workspace's figures unless the caller already has them (known.ok).
func (t *tx) checkThresholdsKnown(ctx context.Context, actor sb.Actor, workspaceID, accountID string, known wsUsage) (bool, error) {
	budget, used, name := known.budget, known.used, known.name
	if !known.ok {
		err := t.hotQueryRow(ctx, `SELECT minute_budget, seconds_used, name FROM workspaces WHERE id = ? AND account_id = ?`,
			workspaceID, accountID).Scan(&budget, &used, &name)
		if err != nil {
			return false, err
		}
	}
	draws := !budget.Valid || used > budget.Int64*60
	reached := sb.ThresholdReached(int64Ptr(budget), used)
	if reached == 0 {
		return draws, nil
	}
	var level int64
	err := t.queryRow(ctx, `SELECT level FROM budget_alert_levels WHERE workspace_id = ?`, workspaceID).Scan(&level)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if reached <= level {
		return draws, nil
	}
	res, err := t.exec(ctx, `INSERT INTO budget_alert_levels (workspace_id, level) VALUES (?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET level = excluded.level WHERE budget_alert_levels.level = ?`,
		workspaceID, reached, level)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return draws, err // another report announced it
	}
	for _, th := range sb.BudgetThresholds {
		if th <= level || th > reached {
			continue
		}
		data := sb.BudgetThresholdData{WorkspaceID: workspaceID, WorkspaceName: name, Threshold: th, MinuteBudget: budget.Int64, SecondsUsed: used}
		eventID, err := t.emit(ctx, workspaceID, accountID, sb.EventBudgetThreshold, data)
		if err != nil {
			return false, err
		}
		if err := t.audit(ctx, actor, workspaceID, accountID, "workspace.budget_threshold", workspaceID,
			map[string]any{"threshold": th, "minute_budget": budget.Int64, "seconds_used": used, "event_id": eventID}); err != nil {
			return false, err
		}
		subject := fmt.Sprintf("%s has used %d%% of its minute budget", name, th)
		body := fmt.Sprintf("The workspace %q has used %d of its %d budgeted minutes (%d%%).\n\n", name, used/60, budget.Int64, th)
		if th >= 100 {
			body += "Its budget is used up: the voice engine will not start new calls until the workspace's owner raises the budget.\n"
		} else {
			body += "When the budget is used up, new calls stop; the workspace's owner can raise the budget on the billing page.\n"
		}
		owner, err := t.ownerOf(ctx, workspaceID)
		if err != nil {
			return false, err
		}
		var accountOwner string
		if err := t.queryRow(ctx, `SELECT owner_id FROM accounts WHERE id = ?`, accountID).Scan(&accountOwner); err != nil {
			return false, err
		}
		if err := t.queueAlertMail(ctx, sb.EventBudgetThreshold, subject, body, owner, accountOwner); err != nil {
			return false, err
		}
	}
	return draws, nil
}

// rearmThresholds sets a workspace's announced level to what its usage has reached
// of its new budget: a raised budget re-arms the thresholds above the usage; the
// ones the usage is already past are not announced for a change the owner made.
func (t *tx) rearmThresholds(ctx context.Context, w *wsRow) error {
	level := sb.ThresholdReached(int64Ptr(w.MinuteBudget), w.SecondsUsed)
	_, err := t.exec(ctx, `INSERT INTO budget_alert_levels (workspace_id, level) VALUES (?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET level = excluded.level`, w.ID, level)
	return err
}

// checkPoolLow announces, once per grant, that the account's unallocated minutes
// fell below 10 % of its last grant.
func (t *tx) checkPoolLow(ctx context.Context, actor sb.Actor, workspaceID, accountID string) error {
	var fired sql.NullString
	var grantID, ownerID string
	var grantSeconds, unallocated int64
	// One statement: the last grant, whether its alert has fired, and the account's
	// unallocated seconds (as unallocatedSeconds computes them).
	err := t.hotQueryRow(ctx, `SELECT p.grant_id, a.owner_id, g.id, g.seconds, a.balance_seconds - COALESCE((
		SELECT SUM(CASE WHEN w.minute_budget * 60 > w.seconds_used THEN w.minute_budget * 60 - w.seconds_used ELSE 0 END)
		FROM workspaces w LEFT JOIN workspaces pw ON pw.id = w.parent_id AND pw.deleted_at IS NULL
		WHERE w.account_id = a.id AND w.minute_budget IS NOT NULL AND w.deleted_at IS NULL
		AND (pw.id IS NULL OR pw.minute_budget IS NULL)), 0)
		FROM accounts a JOIN minute_grants g ON g.account_id = a.id
		LEFT JOIN pool_low_alerts p ON p.account_id = a.id
		WHERE a.id = ? ORDER BY g.created_at DESC, g.id DESC LIMIT 1`, accountID).Scan(&fired, &ownerID, &grantID, &grantSeconds, &unallocated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	t.rememberPool(accountID, unallocated, grantSeconds)
	if fired.String == grantID || grantSeconds <= 0 || unallocated*10 >= grantSeconds {
		return nil
	}
	res, err := t.exec(ctx, `INSERT INTO pool_low_alerts (account_id, grant_id) VALUES (?, ?)
		ON CONFLICT (account_id) DO UPDATE SET grant_id = excluded.grant_id WHERE pool_low_alerts.grant_id <> excluded.grant_id`,
		accountID, grantID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return err
	}
	data := sb.PoolLowData{AccountID: accountID, UnallocatedSeconds: unallocated, GrantID: grantID, GrantSeconds: grantSeconds}
	eventID, err := t.emit(ctx, workspaceID, accountID, sb.EventPoolLow, data)
	if err != nil {
		return err
	}
	if err := t.audit(ctx, actor, workspaceID, accountID, "account.pool_low", accountID,
		map[string]any{"unallocated_seconds": unallocated, "grant_id": grantID, "grant_seconds": grantSeconds, "event_id": eventID}); err != nil {
		return err
	}
	subject := "Your account's minutes are running low"
	body := fmt.Sprintf("Your account has %d unallocated minutes left, less than 10%% of the %d minutes last added.\n\n"+
		"When they are used up, workspaces drawing on the account cannot start calls; add minutes to the account.\n",
		max(unallocated, 0)/60, grantSeconds/60)
	return t.queueAlertMail(ctx, sb.EventPoolLow, subject, body, ownerID)
}

// queueAlertMail queues one system message to each distinct user, in the
// transaction of the change it tells of (through queueSystemMail, the system mail
// outbox).
func (t *tx) queueAlertMail(ctx context.Context, kind, subject, body string, userIDs ...string) error {
	seen := map[string]bool{}
	for _, uid := range userIDs {
		if uid == "" || seen[uid] {
			continue
		}
		seen[uid] = true
		var email string
		if err := t.queryRow(ctx, `SELECT email FROM users WHERE id = ?`, uid).Scan(&email); err != nil {
			return err
		}
		if err := t.queueSystemMail(ctx, kind, sb.Email{To: email, Subject: subject, Text: body}); err != nil {
			return err
		}
	}
	return nil
}

// ListAlerts lists a workspace's alerts (budget thresholds, a low pool), newest
// first; anyone who sees the workspace sees them.
func (s *Store) ListAlerts(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Event, string, error) {
	p = p.Bounded()
	var out []sb.Event
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewWorkspace, false)
		if err != nil {
			return err
		}
		scan := func(sc scanner) (*sb.Event, error) {
			e := sb.Event{WorkspaceID: w.ID}
			var data string
			var at int64
			if err := sc.Scan(&e.ID, &e.Type, &data, &at); err != nil {
				return nil, err
			}
			e.Data, e.CreatedAt = []byte(data), toTime(at)
			return &e, nil
		}
		out, next, err = keysetPage(ctx, t, p, true, scan, func(e sb.Event) string { return e.ID },
			`SELECT id, type, data, created_at FROM events WHERE workspace_id = ? AND type IN (?, ?)`, w.ID, sb.EventBudgetThreshold, sb.EventPoolLow)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// SystemMail is one queued system message.
type SystemMail struct {
	ID, Kind, To, Subject, Body string
}

// PendingSystemMail lists the queued, unsent system mail, oldest first, unsealed.
// Tests and the operator's checks use it.
func (s *Store) PendingSystemMail(ctx context.Context) ([]SystemMail, error) {
	var out []SystemMail
	err := s.view(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, kind, payload FROM system_mail WHERE status = 'pending' ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m SystemMail
			var sealed string
			if err := rows.Scan(&m.ID, &m.Kind, &sealed); err != nil {
				return err
			}
			plain, err := secret.Unseal(s.cfg.SecretKey, sealed)
			if err != nil {
				return err
			}
			var e sb.Email
			if err := json.Unmarshal([]byte(plain), &e); err != nil {
				return err
			}
			m.To, m.Subject, m.Body = e.To, e.Subject, e.Text
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}
