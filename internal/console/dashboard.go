package console

import (
	"net/http"
)

type dashboardView struct {
	Layout
}

// dashboard is a workspace's first page; part 2 adds charts, calls and campaigns.
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, rq *request) error {
	return c.render(w, rq, "dashboard", dashboardView{Layout: c.layout(rq, rq.WS.Name)})
}
