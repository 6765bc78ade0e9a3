package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ClaimWebhookDeliveries leases up to limit due deliveries of enabled endpoints.
// Any replica may call it: on PostgreSQL the due rows are locked with SKIP LOCKED
// so concurrent workers take different rows, and on both databases a delivery is
// claimed by the one conditional UPDATE that finds it unleased.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]sb.WebhookJob, error) {
	var jobs []sb.WebhookJob
	err := s.update(ctx, func(t *tx) error {
		jobs = nil
		now := t.now.UnixMicro()
		q := `SELECT d.id FROM webhook_deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until < ?)
			AND d.webhook_id IN (SELECT id FROM webhooks WHERE disabled_at IS NULL)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`
		if t.s.dialect == postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := t.query(ctx, q, now, now, limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			token := secret.NewID("lease", t.now)
			res, err := t.exec(ctx, `UPDATE webhook_deliveries SET locked_until = ?, lease = ?, attempts = attempts + 1
				WHERE id = ? AND status = 'pending' AND (locked_until IS NULL OR locked_until < ?)`,
				t.now.Add(lease).UnixMicro(), token, id, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			var job sb.WebhookJob
			var sealed, eventType, data string
			var created int64
			err = t.queryRow(ctx, `SELECT d.webhook_id, d.workspace_id, d.attempts, h.url, h.secret, e.id, e.type, e.data, e.created_at
				FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id AND h.workspace_id = d.workspace_id
				JOIN events e ON e.id = d.event_id AND e.workspace_id = d.workspace_id WHERE d.id = ?`, id).
				Scan(&job.WebhookID, &job.WorkspaceID, &job.Attempts, &job.URL, &sealed, &job.EventID, &eventType, &data, &created)
			if err != nil {
				return err
			}
			job.DeliveryID, job.Lease = id, token
			if job.Secret, err = secret.Unseal(t.s.cfg.SecretKey, sealed); err != nil {
				// A secret this server cannot read (the key changed) must not block
				// the queue: the delivery fails, visibly.
				t.s.cfg.Logger.Error("unreadable webhook secret", "webhook", job.WebhookID, "err", err)
				if _, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', locked_until = NULL,
					last_error = 'The signing secret could not be decrypted (the server''s secret key changed); create the endpoint again.'
					WHERE id = ? AND workspace_id = ?`, id, job.WorkspaceID); err != nil {
					return err
				}
				continue
			}
			job.Body, err = json.Marshal(sb.Event{ID: job.EventID, Type: eventType, CreatedAt: toTime(created), WorkspaceID: job.WorkspaceID, Data: json.RawMessage(data)})
			if err != nil {
				return err
			}
			jobs = append(jobs, job)
		}
		return nil
	})
	return jobs, err
}

// FinishWebhookDelivery records what became of an attempt. A delivery that still
// fails 24 hours after it was queued fails for good; an endpoint that has failed
// for 24 hours without a success in between is disabled, and the workspace's admins
// are told by mail. A worker whose lease was lost changes nothing.
func (s *Store) FinishWebhookDelivery(ctx context.Context, job sb.WebhookJob, res sb.WebhookResult) error {
	return s.update(ctx, func(t *tx) error {
		now := t.now.UnixMicro()
		var status any
		if res.Status != 0 {
			status = res.Status
		}
		reply := truncate(res.Error, 1000)
		if res.Delivered {
			r, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, response_status = ?, last_error = '', locked_until = NULL
				WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, now, status, job.DeliveryID, job.WorkspaceID, job.Lease)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return nil
			}
			_, err = t.exec(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND workspace_id = ? AND failing_since IS NOT NULL`, job.WebhookID, job.WorkspaceID)
			return err
		}
		var created int64
		if err := t.queryRow(ctx, `SELECT created_at FROM webhook_deliveries WHERE id = ? AND workspace_id = ?`, job.DeliveryID, job.WorkspaceID).Scan(&created); err != nil {
			return err
		}
		retry := res.RetryIn
		if retry <= 0 {
			retry = time.Minute
		}
		next := t.now.Add(retry)
		var r interface{ RowsAffected() (int64, error) }
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
	})
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
	if err := t.audit(ctx, sb.Actor{System: true}, workspaceID, accountID, "webhook.disabled", webhookID, map[string]any{"url": url, "reason": "failing for 24 hours"}); err != nil {
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
