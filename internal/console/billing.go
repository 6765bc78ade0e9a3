package console

import (
	"net/http"
	"slices"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type billingView struct {
	Layout
	Usage *sb.Usage
	// Account is set for the account owner: the pool, and every workspace of it.
	Account    *sb.Account
	Pool, Free int64 // minutes
	All        []sb.Workspace
	Alerts     []alertRow
}

// billing: the pool and unallocated minutes, this workspace's budget (edit) with its
// usage bar, an agency's clients, and for the account owner every workspace.
func (c *Console) billing(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := c.Workspaces.Usage(r.Context(), rq.Actor, rq.WS.ID)
	if err != nil {
		return err
	}
	v := billingView{Layout: c.layout(rq, "Billing"), Usage: u}
	if slices.ContainsFunc(rq.Me.Accounts, func(a sb.AccountBrief) bool { return a.ID == rq.WS.AccountID }) {
		acc, err := c.Accounts.GetAccount(r.Context(), rq.Actor, rq.WS.AccountID)
		if err != nil {
			return err
		}
		v.Account, v.Pool, v.Free = acc, minutesOf(acc.Minutes.BalanceSeconds), minutesOf(acc.Minutes.UnallocatedSeconds)
		all, err := c.Workspaces.ListWorkspaces(r.Context(), rq.Actor)
		if err != nil {
			return err
		}
		for _, ws := range all {
			if ws.AccountID == acc.ID {
				v.All = append(v.All, ws)
			}
		}
	}
	if v.Alerts, err = c.recentAlerts(r, rq); err != nil {
		return err
	}
	return c.render(w, rq, "billing", v)
}

// setBudget sets (or, empty, removes) the budget of this workspace; an agency's
// billing page posts here for each client too, with return_to.
func (c *Console) setBudget(w http.ResponseWriter, r *http.Request, rq *request) error {
	b, err := optInt(r, "minute_budget")
	if err != nil {
		return err
	}
	ws, err := c.Workspaces.SetBudget(r.Context(), rq.Actor, rq.WS.ID, sb.BudgetInput{MinuteBudget: b, Given: true})
	if err != nil {
		return err
	}
	msg := "The budget of " + ws.Name + " is removed."
	if b != nil {
		msg = "The budget of " + ws.Name + " is saved."
	}
	to := rq.wsURL("/billing")
	if rt := r.PostFormValue("return_to"); rt != "" {
		to = localPath(rt)
	}
	return c.ok(w, r, msg, to)
}
