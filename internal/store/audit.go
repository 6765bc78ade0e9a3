package store

import (
	"context"
	"encoding/json"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// audit records one change in the same transaction as the change. details must
// never hold a secret.
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
	_, err = t.exec(ctx, `INSERT INTO audit_log (id, workspace_id, account_id, at, actor_type, actor_id, actor_email, action, target, details, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		secret.NewID("aud", t.now), nullIfEmpty(workspaceID), nullIfEmpty(accountID), t.now.UnixMicro(),
		actor.ActorType(), actorID, actor.Email, action, target, string(d), actor.IP, truncate(actor.UserAgent, 500))
	return err
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
