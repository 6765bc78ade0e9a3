package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/ratelimit"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type authView struct {
	Layout
	Next string
}

// home sends a signed-out visitor to /login and a person to their last workspace.
func (c *Console) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.signedIn() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	to := "/w/new"
	if len(rq.Me.Workspaces) > 0 {
		to = "/w/" + rq.Me.Workspaces[0].ID
		if ck, err := r.Cookie(lastWSCookie); err == nil {
			if slices.ContainsFunc(rq.Me.Workspaces, func(w sb.WorkspaceRole) bool { return w.ID == ck.Value }) {
				to = "/w/" + ck.Value
			}
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	next := r.FormValue("next")
	return c.render(w, rq, "login", authView{Layout: c.layout(rq, "Log in"), Next: next})
}

// login checks the email and password, and on success sets the session cookie.
// Failures are rate-limited per address and per email, as in the API.
func (c *Console) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.LoginInput{Email: strings.TrimSpace(r.PostFormValue("email")), Password: r.PostFormValue("password"), Client: rq.client()}
	_, token, err := c.limits.logIn(r.Context(), c.Users, rq.Actor.IP, in)
	if err != nil {
		return err
	}
	c.startSession(w, token)
	next := r.PostFormValue("next")
	if next == "" {
		if ck, err := r.Cookie(nextCookie); err == nil {
			next, _ = url.QueryUnescape(ck.Value)
		}
	}
	c.setCookie(w, nextCookie, "", -1)
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

func (c *Console) signupPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return c.render(w, rq, "signup", authView{Layout: c.layout(rq, "Sign up")})
}

// signup creates the person, their account and first workspace, and signs them in.
func (c *Console) signup(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.SignUpInput{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), Client: rq.client()}
	refund, err := c.limits.signupByIP.Reserve(rq.Actor.IP, "sign-ups from this address")
	if err != nil {
		return err
	}
	_, token, err := c.Users.SignUp(r.Context(), in)
	if err != nil {
		refund() // only accounts made count
		return err
	}
	c.startSession(w, token)
	c.flashRedirect(w, r, "Welcome! This is your first workspace.", true, "/")
	return nil
}

// logout ends the session on the server and drops the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Users.LogOut(r.Context(), rq.Actor); err != nil {
		return err
	}
	c.setCookie(w, sessionCookie, "", -1) // sb_ws stays: the next log-in here returns to it
	c.flashRedirect(w, r, "You are logged out.", true, "/login")
	return nil
}

// logoutGet answers GET /logout: log-out is a POST (a link must not sign anyone out).
func (c *Console) logoutGet(w http.ResponseWriter, r *http.Request, rq *request) error {
	w.Header().Set("Allow", "POST")
	return sb.Errorf(sb.ECodeMethodNotAllowed, "Log out with the button at the top of any page.")
}

// limits are the console's rate limits (internal/ratelimit, as the API's): each
// token is taken before the work it guards, so parallel requests cannot all pass.
type limits struct {
	loginByIP, loginByEmail *ratelimit.Keyed
	signupByIP              *ratelimit.Keyed
	tokenByIP               *ratelimit.Keyed // unknown invitation tokens tried, per address
}

func newLimits(now func() time.Time) *limits {
	return &limits{
		loginByIP:    ratelimit.New(2*time.Second, 200, now),
		loginByEmail: ratelimit.New(time.Minute, 10, now),
		signupByIP:   ratelimit.New(time.Minute, 30, now),
		tokenByIP:    ratelimit.New(6*time.Second, 100, now),
	}
}

// logIn checks a password under the log-in limits: a token per address and per
// email is taken before the check and given back unless the password was wrong,
// so only failures count.
func (l *limits) logIn(ctx context.Context, users sb.UserService, ip string, in sb.LoginInput) (*sb.User, string, error) {
	email := sb.EmailKey(in.Email)
	refundIP, err := l.loginByIP.Reserve(ip, "failed log-ins from this address")
	if err != nil {
		return nil, "", err
	}
	refundEmail, err := l.loginByEmail.Reserve(email, "failed log-ins for this email address")
	if err != nil {
		refundIP()
		return nil, "", err
	}
	user, token, err := users.LogIn(ctx, in)
	if sb.ErrorCode(err) != sb.ECodeInvalidCredentials {
		refundIP()
		refundEmail()
	}
	return user, token, err
}
