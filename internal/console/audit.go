package console

import (
	"net/http"
	"net/url"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type auditView struct {
	Layout
	Entries       []sb.AuditEntry
	Action, Actor string
	Next          string // URL of the next page, empty at the end
}

// audit: the audit log, newest first, filtered by action and actor, paged.
func (c *Console) audit(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	f := sb.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor_id"), Page: sb.Page{Limit: 50, Cursor: q.Get("cursor")}}
	list, next, err := c.Audit.ListAudit(r.Context(), rq.Actor, rq.WS.ID, f)
	if err != nil {
		return err
	}
	v := auditView{Layout: c.layout(rq, "Audit log"), Entries: list, Action: f.Action, Actor: f.ActorID}
	if next != "" {
		nq := url.Values{"cursor": {next}}
		if f.Action != "" {
			nq.Set("action", f.Action)
		}
		if f.ActorID != "" {
			nq.Set("actor_id", f.ActorID)
		}
		v.Next = rq.wsURL("/audit") + "?" + nq.Encode()
	}
	return c.render(w, rq, "audit", v)
}
