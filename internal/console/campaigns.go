package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type campaignsView struct {
	Layout
	Campaigns  []campaignRow
	Assistants []sb.Assistant
	Next       string
	Default    sb.Schedule
}

// campaigns lists the campaigns; manager+ also gets the create form.
func (c *Console) campaigns(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, next, err := c.Campaigns.ListCampaigns(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.DefaultPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v := campaignsView{Default: sb.DefaultSchedule()}
	for _, x := range list {
		v.Campaigns = append(v.Campaigns, campaignRowOf(x))
	}
	if next != "" {
		v.Next = withQuery(wsURL(rq, "/campaigns"), "cursor", next)
	}
	v.Assistants = c.loadNames(r, rq).AssistantList
	v.Layout = c.layout(rq, "Campaigns")
	return c.render(w, rq, "campaigns", v)
}

// campaignInput reads the campaign form: name, assistant_id, contact_tag,
// max_concurrent_calls and the schedule's timezone, days, start_time, end_time,
// start_date, end_date (also accepted as schedule.timezone, …).
func campaignInput(r *http.Request, creating bool) (sb.CampaignInput, error) {
	var in sb.CampaignInput
	in.Name = formPtr(r, "name")
	in.AssistantID = formPtr(r, "assistant_id")
	in.ContactTag = formPtr(r, "contact_tag")
	if s := formPtr(r, "max_concurrent_calls"); s != nil && strings.TrimSpace(*s) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
		if err != nil {
			return in, &sb.Error{Code: sb.ECodeValidation, Message: "The maximum of concurrent calls must be a whole number.",
				Fields: []sb.FieldError{{Location: "body.max_concurrent_calls", Message: "Write a whole number, such as 5."}}}
		}
		in.MaxConcurrentCalls = &n
	}
	get := func(name string) (string, bool) {
		for _, k := range []string{name, "schedule." + name} {
			if vs, ok := r.PostForm[k]; ok && len(vs) > 0 {
				return vs[0], true
			}
		}
		return "", false
	}
	tz, okTZ := get("timezone")
	start, okStart := get("start_time")
	end, okEnd := get("end_time")
	if okTZ || okStart || okEnd {
		s := sb.Schedule{Timezone: tz, StartTime: start, EndTime: end, Days: append(r.PostForm["days"], r.PostForm["schedule.days"]...)}
		if d, ok := get("start_date"); ok && d != "" {
			s.StartDate = &d
		}
		if d, ok := get("end_date"); ok && d != "" {
			s.EndDate = &d
		}
		if s.Days == nil {
			s.Days = []string{}
		}
		in.Schedule = &s
	}
	if creating && in.Name == nil {
		empty := ""
		in.Name = &empty
	}
	return in, nil
}

// createCampaign creates a draft campaign.
func (c *Console) createCampaign(w http.ResponseWriter, r *http.Request, rq *request) error {
	in, err := campaignInput(r, true)
	if err != nil {
		return err
	}
	x, err := c.Campaigns.CreateCampaign(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Campaign created as a draft; start it when ready.", true, wsURL(rq, "/campaigns/", x.ID))
	return nil
}

type campaignView struct {
	Layout
	Campaign   campaignRow
	Assistant  string
	Assistants []sb.Assistant
	// Actions are the state changes the campaign's status allows.
	Actions []string
}

// campaign is one campaign: its audience, state and progress; member+ can start,
// pause, resume and stop it, manager+ edit and delete it.
func (c *Console) campaign(w http.ResponseWriter, r *http.Request, rq *request) error {
	x, err := c.Campaigns.GetCampaign(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := c.loadNames(r, rq)
	v := campaignView{Campaign: campaignRowOf(*x), Assistants: n.AssistantList}
	if x.AssistantID != nil {
		v.Assistant = n.Assistants[*x.AssistantID]
	}
	for _, a := range []string{sb.CampaignStart, sb.CampaignPause, sb.CampaignResume, sb.CampaignStop} {
		from, _, _ := sb.CampaignTransition(a)
		for _, s := range from {
			if s == x.Status {
				v.Actions = append(v.Actions, a)
			}
		}
	}
	v.Layout = c.layout(rq, x.Name)
	return c.render(w, rq, "campaign", v)
}

// updateCampaign saves the edit form.
func (c *Console) updateCampaign(w http.ResponseWriter, r *http.Request, rq *request) error {
	in, err := campaignInput(r, false)
	if err != nil {
		return err
	}
	x, err := c.Campaigns.UpdateCampaign(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Campaign saved.", true, wsURL(rq, "/campaigns/", x.ID))
	return nil
}

// campaignAction is start, pause, resume or stop.
func (c *Console) campaignAction(w http.ResponseWriter, r *http.Request, rq *request) error {
	action := r.PathValue("action")
	if _, _, ok := sb.CampaignTransition(action); !ok {
		return sb.NotFound("Page")
	}
	x, err := c.Campaigns.ChangeCampaignState(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), action)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Campaign "+x.Status+".", true, wsURL(rq, "/campaigns/", x.ID))
	return nil
}

// deleteCampaign deletes a campaign.
func (c *Console) deleteCampaign(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Campaigns.DeleteCampaign(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	c.flashRedirect(w, r, "Campaign deleted.", true, wsURL(rq, "/campaigns"))
	return nil
}

// campaignProgress is the campaign as JSON, the same document as the API's GET
// campaigns/{id}, for the page's script to follow a running campaign.
func (c *Console) campaignProgress(w http.ResponseWriter, r *http.Request, rq *request) error {
	x, err := c.Campaigns.GetCampaign(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(x)
}
