package console

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type teamView struct {
	Layout
	Members     []sb.Member
	Invitations []sb.Invitation
	// AcceptURL is the link of the invitation just created or resent, shown once.
	AcceptURL string
	Self      string
	// Candidates are the direct members ownership can go to.
	Candidates []sb.Member
}

// team: members and roles for everyone; for admin+ the invite form and the pending
// list; for the owner the ownership transfer; for anyone but the owner, leave.
func (c *Console) team(w http.ResponseWriter, r *http.Request, rq *request) error {
	members, err := c.Members.ListMembers(r.Context(), rq.Actor, rq.WS.ID)
	if err != nil {
		return err
	}
	v := teamView{Layout: c.layout(rq, "Team"), Members: members, Self: rq.Actor.UserID}
	for _, m := range members {
		if m.UserID != rq.Actor.UserID && !m.Inherited {
			v.Candidates = append(v.Candidates, m)
		}
	}
	if sb.Authorize(rq.WS.Role, sb.ActionManageMembers) == nil {
		if v.Invitations, err = c.Invitations.ListInvitations(r.Context(), rq.Actor, rq.WS.ID, ""); err != nil {
			return err
		}
		v.AcceptURL = c.takeOnce(w, r)
	}
	return c.render(w, rq, "team", v)
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.InvitationInput{Email: r.PostFormValue("email"), Role: sb.Role(r.PostFormValue("role"))}
	inv, err := c.Invitations.CreateInvitation(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	c.showOnce(w, rq.wsURL("/team"), inv.AcceptURL)
	return c.ok(w, r, "Invitation sent to "+inv.Email+". You can also pass on the link below.", rq.wsURL("/team"))
}

func (c *Console) resendInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	inv, err := c.Invitations.ResendInvitation(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.showOnce(w, rq.wsURL("/team"), inv.AcceptURL)
	return c.ok(w, r, "Invitation sent again to "+inv.Email+" with a new link; the old link no longer works.", rq.wsURL("/team"))
}

func (c *Console) revokeInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Invitations.RevokeInvitation(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	return c.ok(w, r, "The invitation is revoked; its link no longer works.", rq.wsURL("/team"))
}

func (c *Console) changeRole(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := c.Members.ChangeRole(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("user_id"), sb.RoleInput{Role: sb.Role(r.PostFormValue("role"))})
	if err != nil {
		return err
	}
	return c.ok(w, r, m.Name+" is now "+string(m.Role)+".", rq.wsURL("/team"))
}

func (c *Console) removeMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Members.RemoveMember(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("user_id")); err != nil {
		return err
	}
	return c.ok(w, r, "The member is removed.", rq.wsURL("/team"))
}

func (c *Console) transferOwnership(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := c.Members.TransferOwnership(r.Context(), rq.Actor, rq.WS.ID, sb.TransferInput{UserID: r.PostFormValue("user_id")}); err != nil {
		return err
	}
	return c.ok(w, r, "Ownership is transferred; you are now an admin.", rq.wsURL("/team"))
}

// leave removes one's own membership and goes home.
func (c *Console) leave(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Members.RemoveMember(r.Context(), rq.Actor, rq.WS.ID, rq.Actor.UserID); err != nil {
		return err
	}
	c.setCookie(w, lastWSCookie, "", -1)
	return c.ok(w, r, "You left "+rq.WS.Name+".", "/")
}
