package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// queueSystemMail queues one system message (password reset, budget alert, …) in
// the caller's transaction, so that it is sent exactly when the change commits. The
// message is sealed with the secret key (it may hold a link) and blanked once sent.
// Without a system mail server (serve --smtp-url or --dev) it is only logged.
//
// This is the entry point for any store code that must mail a person:
//
//	t.queueSystemMail(ctx, "budget.threshold", sb.Email{To: owner.Email, Subject: …, Text: …})
func (t *tx) queueSystemMail(ctx context.Context, kind string, m sb.Email) error {
	if !t.s.cfg.SystemMail {
		t.s.cfg.Logger.Warn("no system mail is set (serve --smtp-url): a message was not sent", "kind", kind)
		return nil
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	sealed, err := secret.Seal(t.s.cfg.SecretKey, string(body))
	if err != nil {
		return err
	}
	now := t.now.UnixMicro()
	_, err = t.exec(ctx, `INSERT INTO system_mail (id, kind, payload, status, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?)`, secret.NewID("sml", t.now), kind, sealed, now, now, now)
	return err
}

// QueueSystemMail queues one system message in a transaction of its own; store code
// that changes data too should call queueSystemMail inside its transaction instead.
func (s *Store) QueueSystemMail(ctx context.Context, kind string, m sb.Email) error {
	return s.update(ctx, func(t *tx) error { return t.queueSystemMail(ctx, kind, m) })
}

// ClaimSystemMail leases up to limit due system messages; like ClaimMail, any
// replica may call it and a message is held by one worker at a time.
func (s *Store) ClaimSystemMail(ctx context.Context, limit int, lease time.Duration) ([]sb.SystemMailJob, error) {
	var jobs []sb.SystemMailJob
	err := s.update(ctx, func(t *tx) error {
		jobs = nil
		now := t.now.UnixMicro()
		type due struct {
			id, kind, payload string
			attempts          int
		}
		rows, err := t.query(ctx, `SELECT id, kind, payload, attempts FROM system_mail
			WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
			ORDER BY next_attempt_at, id LIMIT ?`, now, now, limit)
		if err != nil {
			return err
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.kind, &d.payload, &d.attempts); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			token := secret.NewID("lease", t.now)
			res, err := t.exec(ctx, `UPDATE system_mail SET locked_until = ?, lease = ?, attempts = attempts + 1, updated_at = ?
				WHERE id = ? AND status = 'pending' AND (locked_until IS NULL OR locked_until < ?)`,
				t.now.Add(lease).UnixMicro(), token, now, d.id, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			job := sb.SystemMailJob{ID: d.id, Lease: token, Attempts: d.attempts + 1, Kind: d.kind}
			plain, err := secret.Unseal(t.s.cfg.SecretKey, d.payload)
			if err == nil {
				err = json.Unmarshal([]byte(plain), &job.Email)
			}
			if err != nil {
				t.s.cfg.Logger.Error("unreadable system mail", "id", d.id, "err", err)
				if _, err := t.exec(ctx, `UPDATE system_mail SET status = 'failed', payload = '', locked_until = NULL, last_error = ?, updated_at = ? WHERE id = ?`,
					"This message could not be decrypted (the server's secret key changed).", now, d.id); err != nil {
					return err
				}
				continue
			}
			jobs = append(jobs, job)
		}
		return nil
	})
	return jobs, err
}

// FinishSystemMail records what became of a claimed system message. A worker whose
// lease was lost changes nothing.
func (s *Store) FinishSystemMail(ctx context.Context, job sb.SystemMailJob, res sb.MailResult) error {
	return s.update(ctx, func(t *tx) error {
		now := t.now.UnixMicro()
		reply := truncate(res.Error, 1000)
		var err error
		switch {
		case res.Sent:
			_, err = t.exec(ctx, `UPDATE system_mail SET status = 'sent', payload = '', locked_until = NULL, last_error = '', updated_at = ?
				WHERE id = ? AND lease = ? AND status = 'pending'`, now, job.ID, job.Lease)
		case res.RetryIn > 0:
			_, err = t.exec(ctx, `UPDATE system_mail SET next_attempt_at = ?, locked_until = NULL, last_error = ?, updated_at = ?
				WHERE id = ? AND lease = ? AND status = 'pending'`, t.now.Add(res.RetryIn).UnixMicro(), reply, now, job.ID, job.Lease)
		default:
			_, err = t.exec(ctx, `UPDATE system_mail SET status = 'failed', payload = '', locked_until = NULL, last_error = ?, updated_at = ?
				WHERE id = ? AND lease = ? AND status = 'pending'`, reply, now, job.ID, job.Lease)
		}
		return err
	})
}
