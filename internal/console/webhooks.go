package console

import (
	"net/http"
	"net/url"
	"slices"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Webhook pages (issue 14): a workspace's endpoints under settings, admin+ (the
// store checks sb.ActionManageIntegrations on every call), and each endpoint's
// delivery log with redeliver.

type eventChoice struct {
	Name    string
	Checked bool
}

type webhooksView struct {
	Layout
	Hooks  []sb.Webhook
	Events []eventChoice
	// Secret is the signing secret of the endpoint just created, shown once.
	Secret string
	Next   string // URL of the next page of endpoints, empty at the end
}

func (c *Console) webhooks(w http.ResponseWriter, r *http.Request, rq *request) error {
	hooks, next, err := c.Webhooks.ListWebhooks(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.MaxPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	v := webhooksView{Layout: c.layout(rq, "Webhooks"), Hooks: hooks}
	// A refused form keeps its ticks; a new form starts with none.
	var ticked []string
	if v.Form != nil {
		ticked = v.Form["events"]
	}
	for _, e := range sb.EventTypes {
		v.Events = append(v.Events, eventChoice{Name: e, Checked: slices.Contains(ticked, e)})
	}
	if next != "" {
		v.Next = rq.wsURL("/settings/webhooks") + "?" + url.Values{"cursor": {next}}.Encode()
	}
	// The secret is taken only after the page is known to render for this person.
	v.Secret = c.takeOnce(w, r)
	return c.render(w, rq, "webhooks", v)
}

func (c *Console) createWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.WebhookInput{URL: r.PostFormValue("url"), Events: r.PostForm["events"], Description: r.PostFormValue("description")}
	h, err := c.Webhooks.CreateWebhook(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	to := rq.wsURL("/settings/webhooks")
	c.showOnce(w, to, h.Secret)
	return c.ok(w, r, "The endpoint "+h.URL+" is ready. Copy its signing secret now: it is not shown again.", to)
}

// setWebhookEnabled turns an endpoint on (enabled=true) or off.
func (c *Console) setWebhookEnabled(w http.ResponseWriter, r *http.Request, rq *request) error {
	on := r.PostFormValue("enabled") == "true"
	if _, err := c.Webhooks.UpdateWebhook(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), sb.WebhookPatch{Enabled: &on}); err != nil {
		return err
	}
	msg := "The endpoint is disabled: no events are sent to it."
	if on {
		msg = "The endpoint is enabled."
	}
	return c.ok(w, r, msg, c.webhookBack(r, rq))
}

func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Webhooks.DeleteWebhook(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	return c.ok(w, r, "The endpoint is deleted.", rq.wsURL("/settings/webhooks"))
}

// webhookBack is the page a form on either webhook page returns to.
func (c *Console) webhookBack(r *http.Request, rq *request) string {
	if r.PostFormValue("back") == "detail" {
		return rq.wsURL("/settings/webhooks/" + url.PathEscape(r.PathValue("id")))
	}
	return rq.wsURL("/settings/webhooks")
}

type webhookView struct {
	Layout
	Hook       *sb.Webhook
	Deliveries []sb.WebhookDelivery
	Next       string // URL of the next (older) page of deliveries, empty at the end
}

// webhook: one endpoint and its delivery log, newest first, keyset-paged.
func (c *Console) webhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	h, err := c.Webhooks.GetWebhook(r.Context(), rq.Actor, rq.WS.ID, id)
	if err != nil {
		return err
	}
	list, next, err := c.Webhooks.ListDeliveries(r.Context(), rq.Actor, rq.WS.ID, h.ID, sb.Page{Limit: sb.DefaultPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	v := webhookView{Layout: c.layout(rq, "Webhook"), Hook: h, Deliveries: list}
	if next != "" {
		v.Next = rq.wsURL("/settings/webhooks/"+url.PathEscape(h.ID)) + "?" + url.Values{"cursor": {next}}.Encode()
	}
	return c.render(w, rq, "webhook", v)
}

func (c *Console) redeliver(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	if _, err := c.Webhooks.Redeliver(r.Context(), rq.Actor, rq.WS.ID, id, r.PathValue("delivery")); err != nil {
		return err
	}
	return c.ok(w, r, "The event is queued to be sent again, with the same event id.", rq.wsURL("/settings/webhooks/"+url.PathEscape(id)))
}
