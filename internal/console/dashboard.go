package console

import (
	"encoding/json"
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type dashboardView struct {
	Layout
	Report *report
	Recent []callRow
	// Running campaigns (member+), with their progress when the store reports it.
	Running         []campaignRow
	CanSeeCampaigns bool
	Alerts          []alertRow
}

// dashboard is a workspace's first page: calls and minutes over the last 30 days,
// outcomes, recent calls, running campaigns; for the owner the budget bar.
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := dashboardView{}
	if rq.WS.DeletedAt != nil {
		// Deleted, seen by its owner within 30 days: the page says so and links to
		// the restore in Settings; the workspace's data answers 404 until then.
		v.Layout = c.layout(rq, rq.WS.Name)
		return c.render(w, rq, "dashboard", v)
	}
	if c.Calls != nil {
		a, err := c.Calls.Analytics(r.Context(), rq.Actor, rq.WS.ID, sb.AnalyticsQuery{Interval: "day"})
		if err != nil {
			return err
		}
		rp := c.report(rq, a)
		v.Report = &rp
		recent, _, err := c.Calls.ListCalls(r.Context(), rq.Actor, rq.WS.ID, sb.CallFilter{}, sb.Page{Limit: 8})
		if err != nil {
			return err
		}
		v.Recent = c.loadNames(r, rq).rows(recent)
	}
	if c.Campaigns != nil && sb.Authorize(rq.WS.Role, sb.ActionViewResources) == nil {
		v.CanSeeCampaigns = true
		list, _, err := c.Campaigns.ListCampaigns(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.MaxPageLimit})
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.Status == sb.CampaignRunning || x.Status == sb.CampaignPaused {
				v.Running = append(v.Running, campaignRowOf(x))
			}
		}
	}
	alerts, err := c.recentAlerts(r, rq)
	if err != nil {
		return err
	}
	v.Alerts = alerts
	v.Layout = c.layout(rq, rq.WS.Name)
	return c.render(w, rq, "dashboard", v)
}

// campaignRow is a campaign with the progress the store reports, read from its
// JSON so that fields added by the dialler show without this code knowing them.
// Of is the audience of the progress (0 when the store reports no progress: then
// no bar is drawn), Done the contacts whose calls are over.
type campaignRow struct {
	sb.Campaign
	Progress []progressCount
	Done     int64
	Of       int64
	Reason   string
}

type progressCount struct {
	Name  string
	Count int64
}

func campaignRowOf(x sb.Campaign) campaignRow {
	row := campaignRow{Campaign: x}
	b, err := json.Marshal(x)
	if err != nil {
		return row
	}
	var m struct {
		Progress     map[string]int64 `json:"progress"`
		PausedReason *string          `json:"paused_reason"`
	}
	if json.Unmarshal(b, &m) != nil {
		return row
	}
	if m.PausedReason != nil {
		row.Reason = *m.PausedReason
	}
	if len(m.Progress) == 0 {
		return row
	}
	for _, k := range []string{"audience", "pending", "in_flight", "retry_scheduled", "completed", "failed", "do_not_call"} {
		if n, ok := m.Progress[k]; ok {
			row.Progress = append(row.Progress, progressCount{Name: k, Count: n})
		}
	}
	row.Of = x.AudienceSize
	if a, ok := m.Progress["audience"]; ok {
		row.Of = a
	}
	row.Done = m.Progress["completed"] + m.Progress["failed"] + m.Progress["do_not_call"]
	return row
}
