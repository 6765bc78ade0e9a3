package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// onceCookie carries what a page shows exactly once after a POST (an invitation's
// accept_url, an API key's secret) across the 303, limited to that page's path.
const onceCookie = "sb_once"

// showOnce keeps a value for the next GET of path only, for a minute.
func (c *Console) showOnce(w http.ResponseWriter, path, value string) {
	http.SetCookie(w, &http.Cookie{Name: onceCookie, Value: url.QueryEscape(value), Path: path, MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure})
}

// takeOnce reads the value kept by showOnce and drops it.
func (c *Console) takeOnce(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(onceCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: onceCookie, Value: "", Path: r.URL.Path, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure})
	v, _ := url.QueryUnescape(ck.Value)
	return v
}

// ok ends a successful POST: a flash message and a 303 to the page.
func (c *Console) ok(w http.ResponseWriter, r *http.Request, msg, to string) error {
	c.flashRedirect(w, r, msg, true, to)
	return nil
}

// optInt reads an optional whole number: empty is nil.
func optInt(r *http.Request, field string) (*int64, error) {
	s := strings.TrimSpace(r.PostFormValue(field))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var v sb.Validation
		v.Add("body."+field, "Enter a whole number of minutes, or leave it empty.")
		return nil, v.Err()
	}
	return &n, nil
}

func optString(r *http.Request, field string) *string {
	s := strings.TrimSpace(r.PostFormValue(field))
	if s == "" {
		return nil
	}
	return &s
}

// wsURL is the URL of a page of the request's workspace.
func (rq *request) wsURL(suffix string) string { return "/w/" + rq.WS.ID + suffix }

func minutesOf(seconds int64) int64 { return seconds / 60 }

func fmtDate(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }
