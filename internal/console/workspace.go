package console

import (
	"net/http"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type newWorkspaceView struct {
	Layout
	Accounts []sb.AccountBrief
	// AgencyAllowed: one of the person's accounts is on a plan with agencies.
	AgencyAllowed bool
	// Agencies are those the person may create clients in.
	Agencies []sb.WorkspaceRole
	ParentID string
}

// newWorkspace is Create Workspace: a workspace of one's account, or a client of an
// agency one administers.
func (c *Console) newWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := newWorkspaceView{Layout: c.layout(rq, "Create Workspace"), Accounts: rq.Me.Accounts, ParentID: r.FormValue("parent_id")}
	for _, a := range rq.Me.Accounts {
		if a.Plan == sb.PlanEnterprise {
			v.AgencyAllowed = true
		}
	}
	for _, ws := range rq.Me.Workspaces {
		if ws.Type == sb.WorkspaceAgency && sb.Authorize(ws.Role, sb.ActionCreateClients) == nil {
			v.Agencies = append(v.Agencies, ws)
		}
	}
	return c.render(w, rq, "workspace_new", v)
}

func (c *Console) createWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	budget, err := optInt(r, "minute_budget")
	if err != nil {
		return err
	}
	in := sb.CreateWorkspaceInput{Name: r.PostFormValue("name"), Type: r.PostFormValue("type"), Description: r.PostFormValue("description"),
		MinuteBudget: budget, AccountID: optString(r, "account_id"), ParentID: optString(r, "parent_id")}
	ws, err := c.Workspaces.CreateWorkspace(r.Context(), rq.Actor, in)
	if err != nil {
		return err
	}
	return c.ok(w, r, "The workspace "+ws.Name+" is ready.", "/w/"+ws.ID)
}

type settingsView struct {
	Layout
	Agency bool
}

// settings: name and description (admin+); delete and restore (owner).
func (c *Console) settings(w http.ResponseWriter, r *http.Request, rq *request) error {
	return c.render(w, rq, "settings", settingsView{Layout: c.layout(rq, "Settings"), Agency: rq.WS.Type == sb.WorkspaceAgency})
}

func (c *Console) updateSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := c.Workspaces.UpdateWorkspace(r.Context(), rq.Actor, rq.WS.ID, sb.UpdateWorkspaceInput{Name: &name, Description: &desc}); err != nil {
		return err
	}
	return c.ok(w, r, "The settings are saved.", rq.wsURL("/settings"))
}

func (c *Console) deleteWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Workspaces.DeleteWorkspace(r.Context(), rq.Actor, rq.WS.ID, r.PostFormValue("cascade") != ""); err != nil {
		return err
	}
	return c.ok(w, r, "The workspace is deleted. You can restore it from this page for 30 days.", rq.wsURL("/settings"))
}

func (c *Console) restoreWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := c.Workspaces.RestoreWorkspace(r.Context(), rq.Actor, rq.WS.ID); err != nil {
		return err
	}
	return c.ok(w, r, "The workspace is restored.", rq.wsURL(""))
}

type clientsView struct {
	Layout
	Clients []clientRow
}

type clientRow struct {
	sb.Workspace
	Usage bool // the person sees its usage (owner of the agency)
}

// clients lists an agency's client sub-workspaces; not an agency: 404.
func (c *Console) clients(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.WS.Type != sb.WorkspaceAgency {
		return sb.NotFound("Page")
	}
	list, err := c.Workspaces.ListClients(r.Context(), rq.Actor, rq.WS.ID)
	if err != nil {
		return err
	}
	v := clientsView{Layout: c.layout(rq, "Clients")}
	billing := sb.Authorize(rq.WS.Role, sb.ActionBilling) == nil
	for _, cl := range list {
		v.Clients = append(v.Clients, clientRow{Workspace: cl, Usage: billing})
	}
	return c.render(w, rq, "clients", v)
}

// createClient is the clients page's own form: a client of this agency.
func (c *Console) createClient(w http.ResponseWriter, r *http.Request, rq *request) error {
	budget, err := optInt(r, "minute_budget")
	if err != nil {
		return err
	}
	parent := rq.WS.ID
	in := sb.CreateWorkspaceInput{Name: r.PostFormValue("name"), Type: sb.WorkspaceSimple, Description: strings.TrimSpace(r.PostFormValue("description")),
		MinuteBudget: budget, ParentID: &parent}
	ws, err := c.Workspaces.CreateWorkspace(r.Context(), rq.Actor, in)
	if err != nil {
		return err
	}
	return c.ok(w, r, "The workspace "+ws.Name+" is ready.", "/w/"+ws.ID)
}
