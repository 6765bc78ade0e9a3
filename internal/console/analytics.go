package console

import (
	"net/http"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// report is what the dashboard and the analytics page draw from one Analytics.
type report struct {
	A           *sb.Analytics
	Calls       chart
	Minutes     chart
	ByOutcome   stacked
	Outcomes    []share
	Assistants  []share
	Clients     []share
	OutcomesMax int64
}

func (c *Console) report(rq *request, a *sb.Analytics) report {
	labels := make([]string, len(a.Series))
	calls := make([]float64, len(a.Series))
	secs := make([]float64, len(a.Series))
	for i, p := range a.Series {
		labels[i] = p.Start.UTC().Format("2 Jan")
		calls[i] = float64(p.Calls)
		secs[i] = float64(p.Seconds)
	}
	rp := report{A: a,
		Calls:   barChart("chart-calls", "Calls per day", "calls", labels, calls, formatCount),
		Minutes: barChart("chart-minutes", "Minutes per day", "minutes", labels, secs, formatMinutes),
	}
	perDay := make([][]int64, len(a.Series))
	for i, p := range a.Series {
		perDay[i] = make([]int64, len(sb.Outcomes))
		for k, o := range sb.Outcomes {
			perDay[i][k] = p.ByOutcome[o]
		}
	}
	rp.ByOutcome = stackedChart("chart-outcomes", "Outcomes per day", "calls", labels, sb.Outcomes, perDay)
	var top int64
	for _, o := range sb.Outcomes {
		top = max(top, a.Totals.ByOutcome[o])
	}
	for _, o := range sb.Outcomes {
		rp.Outcomes = append(rp.Outcomes, share{Label: o, Calls: a.Totals.ByOutcome[o], Of: max(top, 1),
			URL: withQuery(wsURL(rq, "/calls"), "outcome", o, "from", isoDay(a.From), "to", isoDay(a.To.Add(-sb.Day)))})
	}
	top = 1
	for _, s := range a.ByAsst {
		top = max(top, s.Calls)
	}
	for _, s := range a.ByAsst {
		name := s.Name
		if name == "" {
			name = "(deleted assistant)"
		}
		sh := share{Label: name, Calls: s.Calls, Seconds: s.Seconds, Of: top}
		if s.WorkspaceID == rq.WS.ID || s.WorkspaceID == "" {
			sh.URL = "/w/" + rq.WS.ID + "/assistants/" + s.AssistantID
		}
		rp.Assistants = append(rp.Assistants, sh)
	}
	top = max(a.Own.Calls, 1)
	for _, s := range a.Clients {
		top = max(top, s.Calls)
	}
	if len(a.Clients) > 0 {
		rp.Clients = append(rp.Clients, share{Label: rq.WS.Name + " (own calls)", Calls: a.Own.Calls, Seconds: a.Own.Seconds, Of: top})
		for _, s := range a.Clients {
			label := s.Name
			if s.Deleted {
				label += " (deleted)"
			}
			sh := share{Label: label, Calls: s.Calls, Seconds: s.Seconds, Of: top}
			if !s.Deleted {
				sh.URL = "/w/" + s.WorkspaceID + "/analytics"
			}
			rp.Clients = append(rp.Clients, sh)
		}
	}
	return rp
}

func isoDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

type analyticsView struct {
	Layout
	From, To string
	Report   *report
}

// analytics draws calls, minutes and outcomes by day, and calls per assistant by
// name, over a date range (from, to); an agency's roll up its clients.
func (c *Console) analytics(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	v := analyticsView{From: q.Get("from"), To: q.Get("to")}
	from, to, err := dateRange(r)
	if err == nil {
		aq := sb.AnalyticsQuery{Interval: "day"}
		if from != nil {
			aq.From = *from
		}
		if to != nil {
			aq.To = to.Add(time.Microsecond) // the end of the day, exclusive
		}
		var a *sb.Analytics
		if a, err = c.Calls.Analytics(r.Context(), rq.Actor, rq.WS.ID, aq); err == nil {
			rp := c.report(rq, a)
			v.Report = &rp
			if v.From == "" {
				v.From = isoDay(a.From)
			}
			if v.To == "" {
				v.To = isoDay(a.To.Add(-sb.Day))
			}
		}
	}
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v.Layout = c.layout(rq, "Analytics")
	return c.render(w, rq, "analytics", v)
}
