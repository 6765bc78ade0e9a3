package store

import (
	"context"
	"encoding/json"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// audit records one change in the same transaction as the change. details must
// never hold a secret. Entries are only ever inserted: nothing updates or deletes
// them.
func (t *tx) audit(ctx context.Context, actor sb.Actor, workspaceID, accountID, action, target string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	d, err := json.Marshal(details)
	if err != nil {
		return err
	}
	actorID := actor.UserID
	if actor.IsAPIKey() {
		actorID = actor.APIKeyID
	}
	// Ids increase strictly within a process (secret.NewID), so the log reads
	// newest first even for entries written in the same millisecond.
	id := secret.NewID("aud", t.now)
	_, err = t.exec(ctx, `INSERT INTO audit_log (id, workspace_id, account_id, at, actor_type, actor_id, actor_email, action, target, details, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, nullIfEmpty(workspaceID), nullIfEmpty(accountID), t.now.UnixMicro(),
		actor.ActorType(), actorID, actor.Email, action, target, string(d), actor.IP, truncate(actor.UserAgent, 500))
	return err
}

// ListAudit lists a workspace's audit log newest first, filtered by action and
// actor id, one page at a time (the cursor is the last id of the previous page).
func (s *Store) ListAudit(ctx context.Context, actor sb.Actor, workspaceID string, f sb.AuditFilter) ([]sb.AuditEntry, string, error) {
	f.Page = f.Page.Bounded()
	out := []sb.AuditEntry{}
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, false)
		if err != nil {
			return err
		}
		q := `SELECT id, at, actor_type, actor_id, actor_email, action, target, details, ip, user_agent
			FROM audit_log WHERE workspace_id = ?`
		args := []any{w.ID}
		if f.Cursor != "" {
			q += ` AND id < ?`
			args = append(args, f.Cursor)
		}
		if f.Action != "" {
			q += ` AND action = ?`
			args = append(args, f.Action)
		}
		if f.ActorID != "" {
			q += ` AND actor_id = ?`
			args = append(args, f.ActorID)
		}
		q += ` ORDER BY id DESC LIMIT ?`
		args = append(args, f.Limit+1)
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e sb.AuditEntry
			var at int64
			var details string
			if err := rows.Scan(&e.ID, &at, &e.Actor.Type, &e.Actor.ID, &e.Actor.Email, &e.Action, &e.Target, &details, &e.IP, &e.UserAgent); err != nil {
				return err
			}
			e.At, e.Details = toTime(at), json.RawMessage(details)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
