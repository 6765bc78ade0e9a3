package console

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// callRow is a call as the lists show it: with its assistant's name.
type callRow struct {
	sb.Call
	Assistant string
}

// names maps assistant and campaign ids to names, for the people reading.
type names struct {
	Assistants map[string]string
	Campaigns  map[string]string
	// Lists for the filters (member+ only: viewers do not see resources).
	AssistantList []sb.Assistant
	CampaignList  []sb.Campaign
}

// loadNames reads the workspace's assistants and campaigns (first page of each)
// when the role may see them.
func (c *Console) loadNames(r *http.Request, rq *request) names {
	n := names{Assistants: map[string]string{}, Campaigns: map[string]string{}}
	if sb.Authorize(rq.WS.Role, sb.ActionViewResources) != nil {
		return n
	}
	if c.Assistants != nil {
		if list, _, err := c.Assistants.ListAssistants(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.MaxPageLimit}); err == nil {
			n.AssistantList = list
			for _, a := range list {
				n.Assistants[a.ID] = a.Name
			}
		}
	}
	if c.Campaigns != nil {
		if list, _, err := c.Campaigns.ListCampaigns(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.MaxPageLimit}); err == nil {
			n.CampaignList = list
			for _, x := range list {
				n.Campaigns[x.ID] = x.Name
			}
		}
	}
	return n
}

func (n names) rows(calls []sb.Call) []callRow {
	out := make([]callRow, len(calls))
	for i, cl := range calls {
		out[i] = callRow{Call: cl}
		if cl.AssistantID != nil {
			out[i].Assistant = n.Assistants[*cl.AssistantID]
			if out[i].Assistant == "" {
				out[i].Assistant = *cl.AssistantID
			}
		}
	}
	return out
}

type callsView struct {
	Layout
	Calls []callRow
	Names names
	// The filter as typed, and the next page's URL.
	From, To, Outcome, AssistantID, CampaignID string
	Next                                       string
}

// calls is the call history: filters (from, to, outcome, assistant_id,
// campaign_id) and keyset paging by cursor, the API's list.
func (c *Console) calls(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	v := callsView{From: q.Get("from"), To: q.Get("to"), Outcome: q.Get("outcome"), AssistantID: q.Get("assistant_id"), CampaignID: q.Get("campaign_id")}
	f := sb.CallFilter{Outcome: v.Outcome, AssistantID: v.AssistantID, CampaignID: v.CampaignID}
	var err error
	if f.From, f.To, err = dateRange(r); err == nil {
		var list []sb.Call
		var next string
		list, next, err = c.Calls.ListCalls(r.Context(), rq.Actor, rq.WS.ID, f, sb.Page{Limit: sb.DefaultPageLimit, Cursor: q.Get("cursor")})
		if err == nil {
			v.Names = c.loadNames(r, rq)
			v.Calls = v.Names.rows(list)
			if next != "" {
				v.Next = withQuery(wsURL(rq, "/calls"), "from", v.From, "to", v.To, "outcome", v.Outcome, "assistant_id", v.AssistantID, "campaign_id", v.CampaignID, "cursor", next)
			}
		}
	}
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v.Layout = c.layout(rq, "Calls")
	return c.render(w, rq, "calls", v)
}

type callView struct {
	Layout
	Call         callRow
	Campaign     string
	Conversation *sb.Conversation
}

// call is one call's metadata and, for member+, its conversation.
func (c *Console) call(w http.ResponseWriter, r *http.Request, rq *request) error {
	cl, err := c.Calls.GetCall(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := c.loadNames(r, rq)
	v := callView{Call: n.rows([]sb.Call{*cl})[0]}
	if cl.CampaignID != nil {
		v.Campaign = n.Campaigns[*cl.CampaignID]
	}
	if sb.Authorize(rq.WS.Role, sb.ActionReadConversations) == nil {
		if v.Conversation, err = c.Calls.GetConversation(r.Context(), rq.Actor, rq.WS.ID, cl.ID); err != nil {
			return err
		}
	}
	v.Layout = c.layout(rq, "Call "+cl.ExternalID)
	return c.render(w, rq, "call", v)
}
