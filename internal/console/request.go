package console

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Cookies of the console.
const (
	sessionCookie = "sb_session" // a session token, the same as log-in answers
	flashCookie   = "sb_flash"   // a one-time message after POST → 303
	lastWSCookie  = "sb_ws"      // the last workspace opened, for /
	nextCookie    = "sb_next"    // the page a signed-out request asked for, for after log-in
)

type authKind int

const (
	authNone      authKind = iota // public: anyone
	authSignedIn                  // a person signed in with the session cookie
	authWorkspace                 // signed in, and {ws} loaded with the page's action checked
)

// page is one console URL. Every page is listed in routes.go.
type page struct {
	Method  string
	Pattern string
	Auth    authKind
	// Action is what a workspace page needs (authWorkspace only): the permission
	// table answers 404 to a non-member and 403 to a role too low.
	Action  sb.Action
	Handler handlerFunc
	// Refused, for a POST, re-renders the form's page with the problem when the
	// service refuses the input (validation, conflicts); nil means a flash message
	// and a 303 back to Back.
	Refused handlerFunc
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *request) error

// request is what a handler knows about the request.
type request struct {
	Actor sb.Actor
	Me    *sb.Me
	WS    *sb.Workspace
	Brand Brand
	Nonce string
	path  string

	flash    string
	flashOK  bool
	hadFlash bool
	problem  error
	form     url.Values
}

// client is where the request comes from, recorded on sessions it opens.
func (rq *request) client() sb.Client {
	return sb.Client{IP: rq.Actor.IP, UserAgent: rq.Actor.UserAgent}
}

// signedIn reports whether a person is signed in.
func (rq *request) signedIn() bool { return rq.Actor.UserID != "" }

// wrap authenticates as the page asks, loads its workspace and runs its handler.
func (c *Console) wrap(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{Brand: defaultBrand, Nonce: newNonce(), path: r.URL.Path}
		rq.Actor = sb.Actor{IP: clientIP(r), UserAgent: r.UserAgent()}
		if err := c.authenticate(r, rq); err != nil {
			c.renderError(w, r, rq, err)
			return
		}
		if p.Auth != authNone && !rq.signedIn() {
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				// Where to go after log-in is remembered in a cookie, so that the
				// redirect is to /login itself.
				c.setCookie(w, nextCookie, url.QueryEscape(r.URL.RequestURI()), 10*time.Minute)
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if rq.signedIn() {
			me, err := c.Users.Me(r.Context(), rq.Actor)
			if err != nil {
				c.renderError(w, r, rq, err)
				return
			}
			rq.Me = me
		}
		if p.Auth == authWorkspace {
			ws, err := c.Workspaces.GetWorkspace(r.Context(), rq.Actor, r.PathValue("ws"))
			if err != nil {
				c.renderError(w, r, rq, err)
				return
			}
			rq.WS = ws
			if c.Brands != nil {
				if wl, err := c.Brands.WorkspaceBrand(r.Context(), rq.Actor, ws.ID); err == nil {
					rq.Brand = brandOf(wl)
				}
			}
			if err := sb.Authorize(ws.Role, p.Action); err != nil {
				c.renderError(w, r, rq, err)
				return
			}
			if r.Method == http.MethodGet {
				c.setCookie(w, lastWSCookie, ws.ID, 365*24*time.Hour)
			}
		} else if !rq.signedIn() && c.Brands != nil {
			if wl, err := c.Brands.DomainBrand(r.Context(), hostOnly(r.Host)); err == nil && wl != nil {
				rq.Brand = brandOf(wl)
			}
		}
		if r.Method == http.MethodGet {
			c.readFlash(w, r, rq)
		} else {
			if err := r.ParseForm(); err != nil {
				c.renderError(w, r, rq, sb.Errorf(sb.ECodeBadRequest, "The form could not be read; send it again."))
				return
			}
		}
		err := p.Handler(w, r, rq)
		if err == nil {
			return
		}
		if r.Method != http.MethodGet && isFormProblem(err) {
			rq.problem = err
			rq.form = withoutSecrets(r.PostForm)
			if p.Refused != nil {
				if err2 := p.Refused(w, r, rq); err2 == nil {
					return
				} else {
					err = err2
				}
			} else {
				c.flashRedirect(w, r, sb.ErrorMessage(err), false, back(r))
				return
			}
		}
		c.renderError(w, r, rq, err)
	})
}

// isFormProblem reports whether an error is about the input, to be shown next to
// the form rather than as an error page.
func isFormProblem(err error) bool {
	switch statusOf(sb.ErrorCode(err)) {
	case http.StatusUnprocessableEntity, http.StatusConflict, http.StatusPaymentRequired, http.StatusBadRequest, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusUnauthorized:
		return true
	case http.StatusForbidden:
		c := sb.ErrorCode(err)
		return c != sb.ECodeForbidden // plan_required, owner_immutable, … are answers to a form
	}
	return false
}

func withoutSecrets(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if strings.Contains(k, "password") || k == "token" {
			continue
		}
		out[k] = vs
	}
	return out
}

// back is where a refused form without its own page goes: the page it came from.
func back(r *http.Request) string {
	p := r.URL.Path
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}

// authenticate reads the session cookie. A cookie that no longer works is dropped
// silently: the person is simply signed out.
func (c *Console) authenticate(r *http.Request, rq *request) error {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	a, err := c.Users.Authenticate(r.Context(), ck.Value)
	if sb.ErrorCode(err) == sb.ECodeUnauthorized {
		return nil
	}
	if err != nil {
		return err
	}
	if a.IsAPIKey() || a.SessionID == "" {
		return nil // the console is for people's sessions only
	}
	a.IP, a.UserAgent = rq.Actor.IP, rq.Actor.UserAgent
	rq.Actor = a
	return nil
}

func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secure}
	switch {
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	case maxAge < 0:
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// startSession gives the browser a session token (sb_session).
func (c *Console) startSession(w http.ResponseWriter, token string) {
	c.setCookie(w, sessionCookie, token, 30*24*time.Hour)
}

// flashRedirect ends a POST: a one-time message and a 303 to a page.
func (c *Console) flashRedirect(w http.ResponseWriter, r *http.Request, msg string, ok bool, to string) {
	kind := "e"
	if ok {
		kind = "o"
	}
	c.setCookie(w, flashCookie, url.QueryEscape(kind+msg), time.Minute)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (c *Console) readFlash(w http.ResponseWriter, r *http.Request, rq *request) {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return
	}
	rq.hadFlash = true // dropped when a page shows it, not on a redirect
	s, err := url.QueryUnescape(ck.Value)
	if err != nil || s == "" {
		return
	}
	rq.flashOK = s[0] == 'o'
	rq.flash = s[1:]
	if len(rq.flash) > 500 {
		rq.flash = rq.flash[:500]
	}
}

// clientIP is the peer's address; forwarding headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return strings.ToLower(host)
	}
	return strings.ToLower(h)
}

func asError(err error, target **sb.Error) bool { return errors.As(err, target) }

// localPath accepts only a path on this site as a redirect target.
func localPath(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	return s
}
