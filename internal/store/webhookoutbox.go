package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// DispatchEvents fans up to limit undispatched events out to the enabled
// endpoints of their workspaces that subscribe to them, one pending delivery
// each, and marks them dispatched, in one transaction; it returns how many events
// it took. The worker uses DispatchWebhookEvents, which also leases the new
// deliveries to it.
func (s *Store) DispatchEvents(ctx context.Context, limit int) (int, error) {
	_, n, _, err := s.dispatchEvents(ctx, limit, math.MaxInt, 0)
	return n, err
}

// DispatchWebhookEvents fans undispatched events out to the enabled endpoints of
// their workspaces that subscribe to them, one delivery each, marks the events
// dispatched, and leases the new deliveries to the caller as
// ClaimWebhookDeliveries would (attempt 1), all in one transaction: a fresh
// delivery costs one row written here and one update when its outcome is
// recorded, and no claim. It takes up to limit events, and only as many as their
// deliveries fit in claim (always at least one). It returns the leased jobs and
// whether more events may be waiting. On PostgreSQL the events are picked FOR
// UPDATE SKIP LOCKED, so replicas dispatching at once take different events.
func (s *Store) DispatchWebhookEvents(ctx context.Context, limit, claim int, lease time.Duration) ([]sb.WebhookJob, bool, error) {
	jobs, _, more, err := s.dispatchEvents(ctx, limit, claim, lease)
	return jobs, more, err
}

// dispatchEvents is DispatchWebhookEvents; with lease 0 it leaves the deliveries
// unleased, for any worker's claim, and returns no jobs.
func (s *Store) dispatchEvents(ctx context.Context, limit, claim int, lease time.Duration) ([]sb.WebhookJob, int, bool, error) {
	var jobs []sb.WebhookJob
	more, taken := false, 0
	err := s.update(ctx, func(t *tx) error {
		jobs, more, taken = nil, false, 0
		q := `SELECT id, workspace_id, type, data, created_at FROM events WHERE dispatched = 0 ORDER BY id LIMIT ?`
		if t.s.dialect == postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := t.query(ctx, q, limit)
		if err != nil {
			return err
		}
		type ev struct {
			id, workspaceID, eventType, data string
			created                          int64
		}
		var evs []ev
		workspaces := map[string]bool{}
		var wsArgs []any
		for rows.Next() {
			var e ev
			if err := rows.Scan(&e.id, &e.workspaceID, &e.eventType, &e.data, &e.created); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
			if !workspaces[e.workspaceID] {
				workspaces[e.workspaceID] = true
				wsArgs = append(wsArgs, e.workspaceID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(evs) == 0 {
			return err
		}
		more = len(evs) == limit
		type hook struct {
			id, events, url, sealed, secret string
			unsealed, unreadable            bool
		}
		hooks := map[string][]*hook{}
		rows, err = t.query(ctx, `SELECT id, workspace_id, events, url, secret FROM webhooks WHERE disabled_at IS NULL AND workspace_id IN (`+placeholders(len(wsArgs))+`) ORDER BY id`, wsArgs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			h := &hook{}
			var ws string
			if err := rows.Scan(&h.id, &ws, &h.events, &h.url, &h.sealed); err != nil {
				rows.Close()
				return err
			}
			hooks[ws] = append(hooks[ws], h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := t.now.UnixMicro()
		until := t.now.Add(lease).UnixMicro()
		token := secret.NewID("lease", t.now)
		const perInsert = 200
		const cols = 12
		const insert = `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, status, last_error, next_attempt_at, created_at, locked_until, lease, attempts) VALUES `
		const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			defer func() { args = args[:0] }()
			if t.s.dialect == sqlite {
				// One prepared single-row statement per row: no SQL to parse, and
				// no statement journal (a multi-row INSERT writes one).
				for i := 0; i < len(args); i += cols {
					if _, err := t.hotExec(ctx, insert+row, args[i:i+cols]...); err != nil {
						return err
					}
				}
				return nil
			}
			k := len(args) / cols
			_, err := t.exec(ctx, insert+strings.TrimSuffix(strings.Repeat(row+`, `, k), ", "), args...)
			return err
		}
		ids := make([]any, 0, len(evs))
		made := 0 // deliveries made
		for _, e := range evs {
			var subscribed []*hook
			for _, h := range hooks[e.workspaceID] {
				if subscribes(h.events, e.eventType) {
					subscribed = append(subscribed, h)
				}
			}
			if len(ids) > 0 && made+len(subscribed) > claim {
				more = true
				break
			}
			ids = append(ids, e.id)
			var body []byte
			for _, h := range subscribed {
				if !h.unsealed {
					h.unsealed = true
					if h.secret, err = secret.Unseal(t.s.cfg.SecretKey, h.sealed); err != nil {
						t.s.cfg.Logger.Error("unreadable webhook secret", "webhook", h.id, "err", err)
						h.unreadable = true
					}
				}
				id := secret.NewID("dlv", t.now)
				made++
				switch {
				case h.unreadable:
					// A secret this server cannot read (the key changed) must not
					// block the queue: the delivery fails, visibly.
					args = append(args, id, h.id, e.workspaceID, e.id, e.eventType, sb.WebhookFailed, unreadableSecret, now, now, nil, nil, 1)
				case lease <= 0:
					args = append(args, id, h.id, e.workspaceID, e.id, e.eventType, sb.WebhookPending, "", now, now, nil, nil, 0)
				default:
					if body == nil {
						if body, err = eventBody(e.id, e.eventType, e.created, e.workspaceID, e.data); err != nil {
							return err
						}
					}
					args = append(args, id, h.id, e.workspaceID, e.id, e.eventType, sb.WebhookPending, "", now, now, until, token, 1)
					jobs = append(jobs, sb.WebhookJob{DeliveryID: id, Lease: token, WebhookID: h.id, WorkspaceID: e.workspaceID,
						URL: h.url, Secret: h.secret, EventID: e.id, Attempts: 1, Body: body})
				}
				if len(args) >= cols*perInsert {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		taken = len(ids)
		if err := flush(); err != nil {
			return err
		}
		if t.s.dialect == sqlite {
			for _, id := range ids {
				if _, err := t.hotExec(ctx, `UPDATE events SET dispatched = 1 WHERE id = ? AND dispatched = 0`, id); err != nil {
					return err
				}
			}
			return nil
		}
		for start := 0; start < len(ids); start += perInsert {
			chunk := ids[start:min(start+perInsert, len(ids))]
			if _, err := t.exec(ctx, `UPDATE events SET dispatched = 1 WHERE dispatched = 0 AND id IN (`+placeholders(len(chunk))+`)`, chunk...); err != nil {
				return err
			}
		}
		return nil
	})
	return jobs, taken, more, err
}

const unreadableSecret = "The signing secret could not be decrypted (the server's secret key changed); create the endpoint again."

// eventBody is the JSON of an event as a delivery sends it: the envelope is
// encoded here and the stored data (JSON that emit encoded) is copied in as it
// is, not decoded and encoded again. One body serves all of an event's
// deliveries.
func eventBody(id, eventType string, created int64, workspaceID, data string) ([]byte, error) {
	head, err := json.Marshal(sb.Event{ID: id, Type: eventType, CreatedAt: toTime(created), WorkspaceID: workspaceID, Data: json.RawMessage("0")})
	if err != nil {
		return nil, err
	}
	// head ends with "0}": put the data in place of the 0.
	body := make([]byte, 0, len(head)+len(data))
	body = append(body, head[:len(head)-2]...)
	body = append(body, data...)
	return append(body, '}'), nil
}

// ClaimWebhookDeliveries leases up to limit due deliveries of enabled endpoints,
// in two statements whatever the batch size: one conditional UPDATE … RETURNING
// takes the due rows (on PostgreSQL their ids are picked FOR UPDATE SKIP LOCKED, so
// concurrent workers on any replica take different rows), one SELECT reads what
// the deliveries need. A delivery is held by one worker at a time, until its lease
// runs out.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]sb.WebhookJob, error) {
	var jobs []sb.WebhookJob
	err := s.update(ctx, func(t *tx) error {
		jobs = nil
		now := t.now.UnixMicro()
		token := secret.NewID("lease", t.now)
		pick := `SELECT d.id FROM webhook_deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until < ?)
			AND EXISTS (SELECT 1 FROM webhooks h WHERE h.id = d.webhook_id AND h.disabled_at IS NULL)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`
		// (The EXISTS keeps the plan on the due index; an IN over the enabled
		// webhooks made SQLite walk every delivery of each one.)
		if t.s.dialect == postgres {
			pick += ` FOR UPDATE OF d SKIP LOCKED`
		}
		rows, err := t.query(ctx, `UPDATE webhook_deliveries SET locked_until = ?, lease = ?, attempts = attempts + 1
			WHERE id IN (`+pick+`) AND status = 'pending' AND (locked_until IS NULL OR locked_until < ?) RETURNING id`,
			t.now.Add(lease).UnixMicro(), token, now, now, limit, now)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = t.query(ctx, `SELECT d.id, d.webhook_id, d.workspace_id, d.attempts, h.url, h.secret, e.id, e.type, e.data, e.created_at
			FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id AND h.workspace_id = d.workspace_id
			JOIN events e ON e.id = d.event_id AND e.workspace_id = d.workspace_id
			WHERE d.id IN (`+placeholders(len(ids))+`) ORDER BY d.next_attempt_at, d.id`, ids...)
		if err != nil {
			return err
		}
		var unreadable []sb.WebhookJob
		for rows.Next() {
			job := sb.WebhookJob{Lease: token}
			var sealed, eventType, data string
			var created int64
			if err := rows.Scan(&job.DeliveryID, &job.WebhookID, &job.WorkspaceID, &job.Attempts, &job.URL, &sealed, &job.EventID, &eventType, &data, &created); err != nil {
				rows.Close()
				return err
			}
			if job.Secret, err = secret.Unseal(t.s.cfg.SecretKey, sealed); err != nil {
				t.s.cfg.Logger.Error("unreadable webhook secret", "webhook", job.WebhookID, "err", err)
				unreadable = append(unreadable, job)
				continue
			}
			if job.Body, err = eventBody(job.EventID, eventType, created, job.WorkspaceID, data); err != nil {
				rows.Close()
				return err
			}
			jobs = append(jobs, job)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// A secret this server cannot read (the key changed) must not block the
		// queue: the delivery fails, visibly.
		for _, job := range unreadable {
			if _, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', locked_until = NULL, last_error = ?
				WHERE id = ? AND workspace_id = ?`, unreadableSecret, job.DeliveryID, job.WorkspaceID); err != nil {
				return err
			}
		}
		return nil
	})
	return jobs, err
}

// FinishWebhookDelivery records what became of one attempt.
func (s *Store) FinishWebhookDelivery(ctx context.Context, job sb.WebhookJob, res sb.WebhookResult) error {
	return s.FinishWebhookDeliveries(ctx, []sb.WebhookJob{job}, []sb.WebhookResult{res})
}

// FinishWebhookDeliveries records what became of attempts (res[i] of jobs[i]) in
// one transaction: the successes in one UPDATE per lease and answer status, the
// failures one by one. A delivery that still fails 24 hours after it was queued
// fails for good; an endpoint that has failed for 24 hours without a success in
// between is disabled, and the workspace's admins are told by mail. A worker whose
// lease was lost changes nothing.
func (s *Store) FinishWebhookDeliveries(ctx context.Context, jobs []sb.WebhookJob, res []sb.WebhookResult) error {
	if len(jobs) != len(res) {
		return errors.New("store: jobs and results differ in number")
	}
	return s.update(ctx, func(t *tx) error {
		now := t.now.UnixMicro()
		type group struct {
			lease  string
			status int
		}
		delivered := map[group][]any{}
		var hooks []any
		seen := map[string]bool{}
		for i, job := range jobs {
			if !res[i].Delivered {
				if err := t.finishFailed(ctx, job, res[i]); err != nil {
					return err
				}
				continue
			}
			g := group{job.Lease, res[i].Status}
			delivered[g] = append(delivered[g], job.DeliveryID)
			if !seen[job.WebhookID] {
				seen[job.WebhookID] = true
				hooks = append(hooks, job.WebhookID)
			}
		}
		for g, ids := range delivered {
			if t.s.dialect == sqlite {
				for _, id := range ids {
					if _, err := t.hotExec(ctx, `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, response_status = ?, last_error = '', locked_until = NULL
						WHERE id = ? AND lease = ? AND status = 'pending'`, now, g.status, id, g.lease); err != nil {
						return err
					}
				}
				continue
			}
			args := append([]any{now, g.status, g.lease}, ids...)
			if _, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, response_status = ?, last_error = '', locked_until = NULL
				WHERE lease = ? AND status = 'pending' AND id IN (`+placeholders(len(ids))+`)`, args...); err != nil {
				return err
			}
		}
		if len(hooks) > 0 {
			if _, err := t.exec(ctx, `UPDATE webhooks SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN (`+placeholders(len(hooks))+`)`, hooks...); err != nil {
				return err
			}
		}
		return nil
	})
}

// finishFailed puts a failed delivery back for a retry, or fails it for good 24
// hours after it was queued, and runs its endpoint's failure clock.
func (t *tx) finishFailed(ctx context.Context, job sb.WebhookJob, res sb.WebhookResult) error {
	var status any
	if res.Status != 0 {
		status = res.Status
	}
	reply := truncate(res.Error, 1000)
	var created int64
	if err := t.queryRow(ctx, `SELECT created_at FROM webhook_deliveries WHERE id = ? AND workspace_id = ?`, job.DeliveryID, job.WorkspaceID).Scan(&created); err != nil {
		return err
	}
	retry := res.RetryIn
	if retry <= 0 {
		retry = time.Minute
	}
	next := t.now.Add(retry)
	var r sql.Result
	var err error
	if next.Sub(toTime(created)) >= sb.WebhookDisableAfter {
		r, err = t.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', response_status = ?, last_error = ?, locked_until = NULL
			WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, status, reply, job.DeliveryID, job.WorkspaceID, job.Lease)
	} else {
		r, err = t.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?, response_status = ?, last_error = ?, locked_until = NULL
			WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, next.UnixMicro(), status, reply, job.DeliveryID, job.WorkspaceID, job.Lease)
	}
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return nil
	}
	return t.webhookFailed(ctx, job.WorkspaceID, job.WebhookID)
}

// webhookFailed starts an endpoint's failure clock, or disables it once the clock
// has run for 24 hours. The conditional UPDATE makes exactly one worker disable it
// and send the mail.
func (t *tx) webhookFailed(ctx context.Context, workspaceID, webhookID string) error {
	now := t.now.UnixMicro()
	if _, err := t.exec(ctx, `UPDATE webhooks SET failing_since = ? WHERE id = ? AND workspace_id = ? AND failing_since IS NULL`, now, webhookID, workspaceID); err != nil {
		return err
	}
	r, err := t.exec(ctx, `UPDATE webhooks SET disabled_at = ?, updated_at = ? WHERE id = ? AND workspace_id = ? AND disabled_at IS NULL AND failing_since <= ?`,
		now, now, webhookID, workspaceID, t.now.Add(-sb.WebhookDisableAfter).UnixMicro())
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return nil
	}
	var url, name, accountID string
	if err := t.queryRow(ctx, `SELECT h.url, w.name, w.account_id FROM webhooks h JOIN workspaces w ON w.id = h.workspace_id WHERE h.id = ? AND h.workspace_id = ?`,
		webhookID, workspaceID).Scan(&url, &name, &accountID); err != nil {
		return err
	}
	t.s.cfg.Logger.Warn("webhook disabled after 24 hours of failures", "webhook", webhookID, "workspace", workspaceID)
	if err := t.audit(ctx, sb.Actor{System: "webhooks", Email: "webhooks"}, workspaceID, accountID, "webhook.disabled", webhookID, map[string]any{"url": url, "reason": "failing for 24 hours"}); err != nil {
		return err
	}
	rows, err := t.query(ctx, `SELECT user_id FROM memberships WHERE workspace_id = ? AND role IN ('admin', 'owner') ORDER BY user_id`, workspaceID)
	if err != nil {
		return err
	}
	var admins []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		admins = append(admins, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	subject := "A webhook of " + name + " was disabled"
	body := "The webhook endpoint " + url + " of the workspace " + quote(name) + " has failed every delivery for 24 hours, so Switchboard has stopped sending to it.\n\n" +
		"Fix the receiver, then turn the endpoint back on in Settings → Webhooks (or PATCH it with {\"enabled\": true}) and redeliver the events it missed.\n"
	return t.queueAlertMail(ctx, "webhook.disabled", subject, body, admins...)
}

// WebhookRetention is how long finished deliveries, and the events only they
// referred to, are kept for the delivery log.
const WebhookRetention = 30 * sb.Day

// PruneWebhooks deletes deliveries that finished (delivered or failed) more than
// WebhookRetention ago and the dispatched events no delivery refers to any more,
// except alerts, which the alerts list keeps. It returns how many rows it deleted.
func (s *Store) PruneWebhooks(ctx context.Context) (int64, error) {
	var n int64
	err := s.update(ctx, func(t *tx) error {
		n = 0
		before := t.now.Add(-WebhookRetention).UnixMicro()
		r, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?`, before)
		if err != nil {
			return err
		}
		d, _ := r.RowsAffected()
		r, err = t.exec(ctx, `DELETE FROM events WHERE dispatched = 1 AND created_at < ? AND type NOT IN (?, ?)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id)`, before, sb.EventBudgetThreshold, sb.EventPoolLow)
		if err != nil {
			return err
		}
		e, _ := r.RowsAffected()
		n = d + e
		return nil
	})
	return n, err
}
