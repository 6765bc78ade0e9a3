package console

import (
	"net/http"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type inviteView struct {
	Layout
	Token   string
	Preview *sb.InvitationPreview
	// Known: the invited email already has an account (guessed from nothing; both
	// forms are shown, sign-up first).
	Expires string
}

// invitePage is what an invitation link opens. It never uses the link up: only the
// signed-in accept (or sign-up through it) does. It shows the workspace's brand.
func (c *Console) invitePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	token := r.PathValue("token")
	refund, err := c.limits.tokenByIP.Reserve(rq.Actor.IP, "invitation lookups from this address")
	if err != nil {
		return err
	}
	p, err := c.Invitations.PreviewInvitation(r.Context(), token)
	if sb.ErrorCode(err) != sb.ECodeNotFound {
		refund() // only unknown tokens count: opening a real link reveals nothing
	}
	if p != nil {
		rq.Brand = brandOf(&p.Branding)
	}
	if err != nil {
		return err
	}
	v := inviteView{Layout: c.layout(rq, "Invitation to "+p.Workspace.Name), Token: token, Preview: p, Expires: fmtDate(p.ExpiresAt)}
	return c.render(w, rq, "invite", v)
}

// acceptInvite accepts as the signed-in person and lands in the workspace.
func (c *Console) acceptInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	acc, err := c.Invitations.AcceptInvitation(r.Context(), rq.Actor, r.PathValue("token"))
	if err != nil {
		return err
	}
	return c.ok(w, r, "Welcome! You joined as "+string(acc.Role)+".", "/w/"+acc.WorkspaceID)
}

// inviteSignup creates the person through the invitation, signs them in and lands
// them in the workspace.
func (c *Console) inviteSignup(w http.ResponseWriter, r *http.Request, rq *request) error {
	token := r.PathValue("token")
	refund, err := c.limits.signupByIP.Reserve(rq.Actor.IP, "sign-ups from this address")
	if err != nil {
		return err
	}
	p, err := c.Invitations.PreviewInvitation(r.Context(), token)
	if err != nil {
		refund()
		return err
	}
	in := sb.SignUpInput{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), InvitationToken: token,
		Client: rq.client()}
	if strings.TrimSpace(in.Email) == "" {
		in.Email = p.Email
	}
	_, session, err := c.Users.SignUp(r.Context(), in)
	if err != nil {
		refund() // only accounts made count
		return err
	}
	c.startSession(w, session)
	to := "/"
	if a, err := c.Users.Authenticate(r.Context(), session); err == nil {
		if me, err := c.Users.Me(r.Context(), a); err == nil {
			for _, ws := range me.Workspaces {
				if ws.Name == p.Workspace.Name && ws.Role == p.Role {
					to = "/w/" + ws.ID
				}
			}
		}
	}
	return c.ok(w, r, "Welcome to "+p.Workspace.Name+"!", to)
}

// inviteLogin logs in and accepts in one go.
func (c *Console) inviteLogin(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.LoginInput{Email: strings.TrimSpace(r.PostFormValue("email")), Password: r.PostFormValue("password"), Client: rq.client()}
	_, session, err := c.limits.logIn(r.Context(), c.Users, rq.Actor.IP, in)
	if err != nil {
		return err
	}
	c.startSession(w, session)
	a, err := c.Users.Authenticate(r.Context(), session)
	if err != nil {
		return err
	}
	a.IP, a.UserAgent = rq.Actor.IP, rq.Actor.UserAgent
	acc, err := c.Invitations.AcceptInvitation(r.Context(), a, r.PathValue("token"))
	if err != nil {
		// Signed in, but this invitation is not theirs (or no longer works): say so.
		c.flashRedirect(w, r, sb.ErrorMessage(err), false, "/")
		return nil
	}
	return c.ok(w, r, "Welcome! You joined as "+string(acc.Role)+".", "/w/"+acc.WorkspaceID)
}

// inviteAny is a POST to the invitation's own URL: accept when signed in, else sign
// up when a name is given, else log in and accept.
func (c *Console) inviteAny(w http.ResponseWriter, r *http.Request, rq *request) error {
	switch {
	case rq.signedIn():
		return c.acceptInvite(w, r, rq)
	case strings.TrimSpace(r.PostFormValue("name")) != "":
		return c.inviteSignup(w, r, rq)
	}
	return c.inviteLogin(w, r, rq)
}
