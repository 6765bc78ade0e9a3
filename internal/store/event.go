package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// emit records an event in the transaction of the change it reports, so that a
// crash neither loses an event nor invents one. The webhook worker fans it out to
// the subscribed endpoints after commit (DispatchEvents), which keeps the writes
// of a call report to this one row. An event no enabled webhook of the workspace
// wants is not kept, except alerts, which the console and the alerts list show.
func (t *tx) emit(ctx context.Context, workspaceID, accountID, eventType string, data any) (string, error) {
	wanted, err := t.webhooksWant(ctx, workspaceID, eventType)
	if err != nil {
		return "", err
	}
	if !wanted && !sb.IsAlert(eventType) {
		return "", nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	dispatched := 1
	if wanted {
		dispatched = 0
	}
	id := secret.NewID("evt", t.now)
	_, err = t.hotExec(ctx, `INSERT INTO events (id, workspace_id, account_id, type, data, created_at, dispatched) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, workspaceID, accountID, eventType, string(raw), t.now.UnixMicro(), dispatched)
	return id, err
}

// webhooksWant reports whether an enabled webhook of the workspace subscribes to
// eventType (on SQLite's writer without a read when the workspace is known to
// have no webhook: callsqlite.go).
func (t *tx) webhooksWant(ctx context.Context, workspaceID, eventType string) (bool, error) {
	if t.noWebhooks(workspaceID) {
		return false, nil
	}
	rows, err := t.hotQuery(ctx, `SELECT events FROM webhooks WHERE workspace_id = ? AND disabled_at IS NULL`, workspaceID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	wanted, found := false, false
	for rows.Next() {
		var events string
		if err := rows.Scan(&events); err != nil {
			return false, err
		}
		found = true
		wanted = wanted || subscribes(events, eventType)
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if !found {
		t.sawNoWebhooks(workspaceID)
	}
	return wanted, nil
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
