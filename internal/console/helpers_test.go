package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/console"
	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const operatorToken = "test-operator-token"

// site is the console and the API on a real store, served on loopback.
type site struct {
	t     testing.TB
	srv   *httptest.Server
	store *store.Store
	clock *storetest.Clock
}

func services(s *store.Store) console.Services {
	return console.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Invitations: s, SMTP: s, WhiteLabel: s, People: s, Brands: s,
		Calls: s, Contacts: s, Imports: s, Campaigns: s, Assistants: s, Workflows: s, Alerts: s, Webhooks: s}
}

// eachSite runs fn against the console on every available database.
func eachSite(t *testing.T, fn func(t *testing.T, s *site)) {
	t.Helper()
	storetest.Each(t, storetest.Options{Configure: configure}, func(t *testing.T, st *store.Store, clock *storetest.Clock) {
		fn(t, newSite(t, st, clock))
	})
}

// configure lets workspaces use a mail server on loopback and turns system mail on.
func configure(c *store.Config) {
	c.Mail = mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second})
	c.SystemMail = true
	c.BaseURL = "http://console.test"
}

// mailTo sends the queued mail (invitations and system mail) to a real SMTP server
// on loopback and returns the newest message to the address.
func (s *site) mailTo(catcher *mail.Catcher, to string) mail.Caught {
	s.t.Helper()
	ctx := context.Background()
	tr := mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second})
	if _, err := mail.NewWorker(s.store, tr, mail.WorkerConfig{}).RunOnce(ctx); err != nil {
		s.t.Fatal(err)
	}
	server, err := mail.ParseSMTPURL("smtp://"+catcher.Addr()+"?security=none", "")
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := mail.NewSystemWorker(s.store, tr, server, mail.WorkerConfig{}).RunOnce(ctx); err != nil {
		s.t.Fatal(err)
	}
	msgs := catcher.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, rcpt := range msgs[i].To {
			if strings.EqualFold(rcpt, to) {
				return msgs[i]
			}
		}
	}
	s.t.Fatalf("no mail to %s among %d", to, len(msgs))
	return mail.Caught{}
}

func startCatcher(t *testing.T) *mail.Catcher {
	c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newSite(t testing.TB, st *store.Store, clock *storetest.Clock) *site {
	api := httpapi.New(httpapi.Services{Users: st, Accounts: st, Workspaces: st, Members: st, APIKeys: st, Audit: st, Invitations: st, SMTP: st, WhiteLabel: st,
		Calls: st, Contacts: st, Campaigns: st, Assistants: st, Workflows: st},
		httpapi.Config{OperatorToken: operatorToken, Now: clock.Now})
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	c, err := console.New(services(st), console.Config{BaseURL: srv.URL, API: api, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = c
	t.Cleanup(srv.Close)
	return &site{t: t, srv: srv, store: st, clock: clock}
}

// browser is one person's cookie jar, which does not follow redirects.
type browser struct {
	t    testing.TB
	s    *site
	http *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer of the console.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (p page) Location() string { return p.Header.Get("Location") }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.s.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a browser on the same site does (Origin, Sec-Fetch-Site).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.s.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// follow GETs the page a 303 points at.
func (b *browser) follow(p page) page {
	b.t.Helper()
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("want 303, got %d: %s", p.Status, snippet(p.Body))
	}
	return b.get(p.Location())
}

func (b *browser) token() string {
	u, _ := url.Parse(b.s.srv.URL)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "sb_session" {
			return c.Value
		}
	}
	return ""
}

// signUp makes a new person with a browser signed in.
func (s *site) signUp(name, email string) *browser {
	s.t.Helper()
	b := s.browser()
	p := b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {"password-123"}})
	if p.Status != http.StatusSeeOther || b.token() == "" {
		s.t.Fatalf("sign up %s: %d %s", email, p.Status, snippet(p.Body))
	}
	return b
}

// actor is the person behind a browser, for calling the store directly.
func (b *browser) actor() sb.Actor {
	b.t.Helper()
	a, err := b.s.store.Authenticate(context.Background(), b.token())
	if err != nil {
		b.t.Fatal(err)
	}
	return a
}

// firstWorkspace is the id of the person's first workspace.
func (b *browser) firstWorkspace() string {
	b.t.Helper()
	me, err := b.s.store.Me(context.Background(), b.actor())
	if err != nil || len(me.Workspaces) == 0 {
		b.t.Fatalf("me: %v", err)
	}
	return me.Workspaces[0].ID
}

func wantStatus(t testing.TB, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d: %s", p.Status, status, snippet(p.Body))
	}
}

func wantBody(t testing.TB, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page lacks %q: %s", s, snippet(p.Body))
		}
	}
}

func wantNoBody(t testing.TB, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page shows %q and must not", s)
		}
	}
}

var mainRe = regexp.MustCompile(`(?s)<main>(.*)</main>`)

func snippet(body string) string {
	if m := mainRe.FindStringSubmatch(body); m != nil {
		body = m[1]
	}
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	return body
}
