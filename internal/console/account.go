package console

import (
	"net/http"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type accountView struct {
	Layout
	Sessions []sb.Session
	Accounts []accountInfo
}

// accountInfo is an account the person owns, with what its plan allows and uses.
type accountInfo struct {
	*sb.Account
	Workspaces int
	Pool       int64 // minutes
	Free       int64 // unallocated minutes
}

// account shows the person's name, password and sessions; for an account owner
// also the plan, limits used and the minute pool.
func (c *Console) account(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := accountView{Layout: c.layout(rq, "Your account")}
	if c.People != nil {
		var err error
		if v.Sessions, err = c.People.ListSessions(r.Context(), rq.Actor); err != nil {
			return err
		}
	}
	if len(rq.Me.Accounts) > 0 {
		all, err := c.Workspaces.ListWorkspaces(r.Context(), rq.Actor)
		if err != nil {
			return err
		}
		for _, a := range rq.Me.Accounts {
			acc, err := c.Accounts.GetAccount(r.Context(), rq.Actor, a.ID)
			if err != nil {
				return err
			}
			info := accountInfo{Account: acc, Pool: minutesOf(acc.Minutes.BalanceSeconds), Free: minutesOf(acc.Minutes.UnallocatedSeconds)}
			for _, ws := range all {
				if ws.AccountID == a.ID {
					info.Workspaces++
				}
			}
			v.Accounts = append(v.Accounts, info)
		}
	}
	return c.render(w, rq, "account", v)
}

func (c *Console) rename(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := c.People.Rename(r.Context(), rq.Actor, sb.NameInput{Name: r.PostFormValue("name")}); err != nil {
		return err
	}
	return c.ok(w, r, "Your name is saved.", "/account")
}

// changePassword keeps this session and ends the others.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.PasswordChangeInput{CurrentPassword: r.PostFormValue("current_password"), NewPassword: r.PostFormValue("new_password")}
	if err := c.People.ChangePassword(r.Context(), rq.Actor, in); err != nil {
		return err
	}
	return c.ok(w, r, "Your password is changed; your other sessions have ended.", "/account")
}

func (c *Console) endSession(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	current := false
	if list, err := c.People.ListSessions(r.Context(), rq.Actor); err == nil {
		for _, s := range list {
			if s.ID == id && s.Current {
				current = true
			}
		}
	}
	if err := c.People.EndSession(r.Context(), rq.Actor, id); err != nil {
		return err
	}
	if current {
		c.setCookie(w, sessionCookie, "", -1)
		return c.ok(w, r, "This session has ended. Log in again to continue.", "/login")
	}
	return c.ok(w, r, "The session has ended.", "/account")
}

type forgotView struct {
	Layout
	Sent bool
}

func (c *Console) forgotPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return c.render(w, rq, "forgot", forgotView{Layout: c.layout(rq, "Forgot your password?")})
}

// forgot asks for a reset link; the answer is the same whether the email is known.
func (c *Console) forgot(w http.ResponseWriter, r *http.Request, rq *request) error {
	if c.People == nil {
		return sb.NotFound("Page")
	}
	in := sb.PasswordResetInput{Email: strings.TrimSpace(r.PostFormValue("email"))}
	if err := c.People.RequestPasswordReset(r.Context(), rq.client(), in); err != nil {
		return err
	}
	return c.ok(w, r, "If an account uses that email address, a link to reset its password is on its way. It works for an hour.", "/login")
}

type resetView struct {
	Layout
	Token string
}

// resetPage shows the new-password form while the link works; a used or expired
// link gets the 410 page, an unknown one the 404 page.
func (c *Console) resetPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if c.People == nil {
		return sb.NotFound("Page")
	}
	token := r.PathValue("token")
	if err := c.People.CheckPasswordReset(r.Context(), token); err != nil {
		return err
	}
	return c.render(w, rq, "reset", resetView{Layout: c.layout(rq, "Choose a new password"), Token: token})
}

func (c *Console) reset(w http.ResponseWriter, r *http.Request, rq *request) error {
	if c.People == nil {
		return sb.NotFound("Page")
	}
	in := sb.ResetConfirmInput{Token: r.PathValue("token"), Password: r.PostFormValue("password")}
	if err := c.People.ConfirmPasswordReset(r.Context(), in); err != nil {
		return err
	}
	c.setCookie(w, sessionCookie, "", -1)
	return c.ok(w, r, "Your password is changed and every session has ended. Log in with the new password.", "/login")
}
