package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// emit records an event in the transaction of the change it reports, and queues
// one delivery of it for each enabled webhook of the workspace that subscribes to
// its type: the change, the event and its deliveries commit together or not at
// all, so a crash neither loses an event nor invents one. An event no webhook
// wants is not kept, except alerts, which the console and the alerts list show.
func (t *tx) emit(ctx context.Context, workspaceID, accountID, eventType string, data any) (string, error) {
	rows, err := t.query(ctx, `SELECT id, events FROM webhooks WHERE workspace_id = ? AND disabled_at IS NULL`, workspaceID)
	if err != nil {
		return "", err
	}
	var hooks []string
	for rows.Next() {
		var id, events string
		if err := rows.Scan(&id, &events); err != nil {
			rows.Close()
			return "", err
		}
		if subscribes(events, eventType) {
			hooks = append(hooks, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(hooks) == 0 && !sb.IsAlert(eventType) {
		return "", nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	id := secret.NewID("evt", t.now)
	now := t.now.UnixMicro()
	if _, err := t.exec(ctx, `INSERT INTO events (id, workspace_id, account_id, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, workspaceID, accountID, eventType, string(raw), now); err != nil {
		return "", err
	}
	if len(hooks) == 0 {
		return id, nil
	}
	// One statement for every endpoint's delivery.
	q := `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, status, next_attempt_at, created_at) VALUES `
	args := make([]any, 0, 7*len(hooks))
	for i, h := range hooks {
		if i > 0 {
			q += ", "
		}
		q += `(?, ?, ?, ?, ?, 'pending', ?, ?)`
		args = append(args, secret.NewID("dlv", t.now), h, workspaceID, id, eventType, now, now)
	}
	_, err = t.exec(ctx, q, args...)
	return id, err
}

// subscribes reports whether a webhook's events (a JSON array) include eventType.
func subscribes(events, eventType string) bool {
	if !strings.Contains(events, `"`+eventType+`"`) {
		return false
	}
	var list []string
	if json.Unmarshal([]byte(events), &list) != nil {
		return false
	}
	return slices.Contains(list, eventType)
}

// emitCampaignChange emits the event of a campaign's state change: resuming a
// paused campaign starts it again.
func (t *tx) emitCampaignChange(ctx context.Context, w *wsRow, c *sb.Campaign, action string) error {
	eventType := map[string]string{sb.CampaignStart: sb.EventCampaignStarted, sb.CampaignResume: sb.EventCampaignStarted,
		sb.CampaignPause: sb.EventCampaignPaused, sb.CampaignStop: sb.EventCampaignStopped}[action]
	if eventType == "" {
		return nil
	}
	_, err := t.emit(ctx, w.ID, w.AccountID, eventType, c)
	return err
}
