package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// A campaign's schedule dates (start_date, end_date in api.md) are in the console's
// campaign form, so that saving the form keeps them instead of dropping them.
func TestCampaignFormKeepsScheduleDates(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		d := s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		mgr := p.byRole["manager"]
		start, end := "2031-03-02", "2031-04-30"
		sched := sb.Schedule{Timezone: "UTC", Days: []string{"mon", "tue"}, StartTime: "09:00", EndTime: "17:00", StartDate: &start, EndDate: &end}
		if _, err := s.store.UpdateCampaign(context.Background(), p.owner.actor(), p.ws, d.campaign, sb.CampaignInput{Schedule: &sched}); err != nil {
			t.Fatal(err)
		}
		wantBody(t, mgr.get(w+"/campaigns/"+d.campaign),
			`name="start_date" type="date" value="2031-03-02"`, `name="end_date" type="date" value="2031-04-30"`)

		// The form as a browser sends it, with the dates it shows, keeps them.
		res := mgr.post(w+"/campaigns/"+d.campaign, url.Values{"name": {"Renamed"}, "timezone": {"UTC"}, "days": {"mon"},
			"start_time": {"09:00"}, "end_time": {"17:00"}, "start_date": {start}, "end_date": {end}})
		wantStatus(t, res, 303)
		got, err := s.store.GetCampaign(context.Background(), p.owner.actor(), p.ws, d.campaign)
		if err != nil {
			t.Fatal(err)
		}
		if got.Schedule.StartDate == nil || *got.Schedule.StartDate != start || got.Schedule.EndDate == nil || *got.Schedule.EndDate != end {
			t.Fatalf("dates after saving the form: %+v", got.Schedule)
		}
	})
}

// A budget threshold crossed (api.md, "Budget alerts and webhooks") shows on the
// console's dashboard and billing page.
func TestBudgetAlertsOnDashboardAndBilling(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		s.seed(t, p.owner, p.ws) // 95 seconds used
		w := "/w/" + p.ws
		ten := int64(10)
		if _, err := s.store.SetBudget(context.Background(), p.owner.actor(), p.ws, sb.BudgetInput{MinuteBudget: &ten, Given: true}); err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{w, w + "/billing"} {
			if body := p.owner.get(page).Body; strings.Contains(body, `id="alerts"`) {
				t.Fatalf("%s shows alerts before any threshold: %s", page, body)
			}
		}
		s.report(t, p.owner, p.ws, "ext-alert", s.clock.Now().Add(-time.Hour), 250, nil) // 345 of 600 seconds: 50 %
		for _, page := range []string{w, w + "/billing"} {
			wantBody(t, p.owner.get(page), `id="alerts"`, `data-alert="budget.threshold"`, "has used 50 % of its 10-minute budget")
		}
	})
}

// A deleted workspace answers 404 to everyone but its owner for 30 days (api.md):
// the owner's dashboard says it was deleted and links to the restore.
func TestDeletedWorkspaceDashboardForItsOwner(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		wantStatus(t, p.owner.post(w+"/settings/delete", nil), 303)
		res := p.owner.get(w)
		wantStatus(t, res, 200)
		wantBody(t, res, "This workspace was deleted", w+"/settings")
		wantStatus(t, p.byRole["admin"].get(w), 404)
	})
}
