package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ClaimMail leases up to limit due messages of the outbox for lease. Any replica
// may call it: a message is claimed by the one conditional UPDATE that finds it
// unleased, so two workers never hold the same message at once.
func (s *Store) ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]sb.MailJob, error) {
	var jobs []sb.MailJob
	err := s.update(ctx, func(t *tx) error {
		jobs = nil
		now := t.now.UnixMicro()
		type due struct {
			id, workspaceID, payload string
			attempts                 int
		}
		free, freeArgs := t.leaseFree()
		rows, err := t.query(ctx, `SELECT id, workspace_id, payload, attempts FROM mail_outbox
			WHERE status = 'pending' AND next_attempt_at <= ? AND `+free+`
			ORDER BY next_attempt_at, id LIMIT ?`+t.skipLocked(), append(append([]any{now}, freeArgs...), limit)...)
		if err != nil {
			return err
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.workspaceID, &d.payload, &d.attempts); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		t.at("claim.selected")
		for _, d := range list {
			token := secret.NewID("lease", t.now)
			// The whole condition again, so a stale read never re-claims a message
			// another worker has just deferred.
			res, err := t.exec(ctx, `UPDATE mail_outbox SET locked_until = ?, lease = ?, lease_instance = ?, attempts = attempts + 1, updated_at = ?
				WHERE id = ? AND workspace_id = ? AND status = 'pending' AND next_attempt_at <= ? AND `+free,
				append([]any{t.now.Add(lease).UnixMicro(), token, t.s.leaseInstance(), now, d.id, d.workspaceID, now}, freeArgs...)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // another worker took it
			}
			job := sb.MailJob{ID: d.id, Lease: token, Attempts: d.attempts + 1}
			plain, err := secret.Unseal(t.s.cfg.SecretKey, d.payload)
			if err == nil {
				err = json.Unmarshal([]byte(plain), &job.Invitation)
			}
			if err != nil {
				// A message this server cannot read (the secret key changed) must
				// not block the queue: it fails, visibly.
				t.s.cfg.Logger.Error("unreadable outbox message", "id", d.id, "err", err)
				if err := t.failMail(ctx, d.id, d.workspaceID, "This message could not be decrypted (the server's secret key changed); resend the invitation."); err != nil {
					return err
				}
				continue
			}
			w, err := t.loadWorkspace(ctx, d.workspaceID, false)
			if err != nil {
				return err
			}
			r, _, err := t.effectiveSMTP(ctx, w)
			if err != nil {
				return err
			}
			if r != nil {
				if job.Server, err = t.server(r); err != nil {
					return err
				}
			}
			jobs = append(jobs, job)
		}
		return nil
	})
	return jobs, err
}

// FinishMail records what became of a claimed message: sent, to be retried, or
// failed for good (shown on the invitation). A worker whose lease was lost changes
// nothing.
func (s *Store) FinishMail(ctx context.Context, job sb.MailJob, res sb.MailResult) error {
	return s.update(ctx, func(t *tx) error {
		now := t.now.UnixMicro()
		var invitationID, workspaceID string
		err := t.queryRow(ctx, `SELECT workspace_id, COALESCE(invitation_id, '') FROM mail_outbox WHERE id = ?`, job.ID).Scan(&workspaceID, &invitationID)
		if err != nil {
			return err
		}
		// The lock order: the invitation before its mail, as accepting, revoking and
		// resending take them.
		if invitationID != "" {
			var x string
			err := t.queryRow(ctx, `SELECT id FROM invitations WHERE id = ? AND workspace_id = ?`+t.forUpdate(), invitationID, workspaceID).Scan(&x)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		t.at("finishmail.locked")
		reply := truncate(res.Error, 1000)
		switch {
		case res.Sent:
			r, err := t.exec(ctx, `UPDATE mail_outbox SET status = 'sent', payload = '', locked_until = NULL, last_error = '', updated_at = ?
				WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, now, job.ID, workspaceID, job.Lease)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return nil
			}
			t.at("finishmail.marked")
			_, err = t.exec(ctx, `UPDATE invitations SET delivery_status = 'sent', delivery_error = '' WHERE id = ? AND workspace_id = ?`, invitationID, workspaceID)
			return err
		case res.RetryIn > 0:
			_, err := t.exec(ctx, `UPDATE mail_outbox SET next_attempt_at = ?, locked_until = NULL, last_error = ?, updated_at = ?
				WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, t.now.Add(res.RetryIn).UnixMicro(), reply, now, job.ID, workspaceID, job.Lease)
			return err
		default:
			r, err := t.exec(ctx, `UPDATE mail_outbox SET status = 'failed', payload = '', locked_until = NULL, last_error = ?, updated_at = ?
				WHERE id = ? AND workspace_id = ? AND lease = ? AND status = 'pending'`, reply, now, job.ID, workspaceID, job.Lease)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return nil
			}
			_, err = t.exec(ctx, `UPDATE invitations SET delivery_status = 'failed', delivery_error = ? WHERE id = ? AND workspace_id = ?`, reply, invitationID, workspaceID)
			return err
		}
	})
}

// failMail ends a message as failed and shows why on its invitation.
func (t *tx) failMail(ctx context.Context, id, workspaceID, reply string) error {
	if _, err := t.exec(ctx, `UPDATE mail_outbox SET status = 'failed', payload = '', locked_until = NULL, last_error = ?, updated_at = ?
		WHERE id = ? AND workspace_id = ?`, reply, t.now.UnixMicro(), id, workspaceID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE invitations SET delivery_status = 'failed', delivery_error = ?
		WHERE workspace_id = ? AND id = (SELECT invitation_id FROM mail_outbox WHERE id = ? AND workspace_id = ?)`, reply, workspaceID, id, workspaceID)
	return err
}
