package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// AlertLister lists a workspace's budget and pool alerts, newest first (viewer+):
// the same list as GET /api/v1/workspaces/{ws}/alerts.
type AlertLister interface {
	ListAlerts(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Event, string, error)
}

// alertRow is one alert as the dashboard and the billing page show it.
type alertRow struct {
	At   time.Time
	Type string
	Text string
}

// recentAlerts are the workspace's latest budget.threshold and pool.low alerts
// (api.md: "shown on the console's dashboard and billing page"); none when the
// console has no alert service.
func (c *Console) recentAlerts(r *http.Request, rq *request) ([]alertRow, error) {
	if c.Alerts == nil {
		return nil, nil
	}
	events, _, err := c.Alerts.ListAlerts(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: 5})
	if err != nil {
		return nil, err
	}
	rows := make([]alertRow, 0, len(events))
	for _, e := range events {
		row := alertRow{At: e.CreatedAt, Type: e.Type, Text: e.Type}
		switch e.Type {
		case sb.EventBudgetThreshold:
			var d sb.BudgetThresholdData
			if json.Unmarshal(e.Data, &d) == nil {
				row.Text = fmt.Sprintf("%s has used %d %% of its %d-minute budget (%d:%02d used).",
					d.WorkspaceName, d.Threshold, d.MinuteBudget, d.SecondsUsed/60, d.SecondsUsed%60)
			}
		case sb.EventPoolLow:
			var d sb.PoolLowData
			if json.Unmarshal(e.Data, &d) == nil {
				row.Text = fmt.Sprintf("The account's unallocated minutes are low: %d:%02d left, under 10 %% of the last grant.",
					d.UnallocatedSeconds/60, d.UnallocatedSeconds%60)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
