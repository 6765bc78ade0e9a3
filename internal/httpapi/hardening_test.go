package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/storetest"
)

// String is what the handlers logged so far.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// customAPI is the API on a fresh SQLite store with its own configuration.
func customAPI(t *testing.T, cfg httpapi.Config) *api {
	clock := storetest.NewClock()
	s := storetest.Open(t, "sqlite", storetest.Options{Configure: configureMail}, clock)
	cfg.Now = clock.Now
	cfg.Ready = s.Ping
	h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s, Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s}, cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv, store: s, clock: clock, mail: newMailWorker(s)}
}

// 25 parallel wrong passwords for one email cannot all pass the limit's check:
// the token is taken before the password is checked.
func TestLoginLimitCannotBeRaced(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Olga")
		const n = 25
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "wrong password"}).Status
			}()
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[401] > 10 || count[429] < n-10 || count[401]+count[429] != n {
			t.Fatalf("answers %v, want at most 10×401 (the burst) and the rest 429", count)
		}
		// The right password is refused too while the email's allowance is spent,
		// and a correct log-in never uses the allowance up.
	})
}

// Sign-ups are limited per client address, by a configurable allowance; refused
// sign-ups do not count.
func TestSignUpLimitPerAddress(t *testing.T) {
	a := customAPI(t, httpapi.Config{SignUpsPerHour: 3})
	a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "bad", "password": "x", "name": ""}).want(t, 422)
	for range 3 {
		a.signUp("Office")
	}
	r := a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "fourth@example.com", "password": "correct horse battery", "name": "Fourth"}).want(t, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// Every answer says nosniff; the dev mail page may be framed by nobody.
func TestSecurityHeaders(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Olga")
		for _, r := range []*resp{
			a.do("GET", "/api/v1/me", u.Token, nil),
			a.do("GET", "/api/v1/nothing-here", "", nil),
			a.do("DELETE", "/api/v1/me", u.Token, nil),
			a.do("GET", "/healthz", "", nil),
		} {
			if r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%d answer without nosniff: %v", r.Status, r.Header)
			}
		}
	})
	c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := httptest.NewRecorder()
	httpapi.SecureHeaders(c).ServeHTTP(rec, httptest.NewRequest("GET", "/dev/mail", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("/dev/mail CSP %q", csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("/dev/mail without nosniff")
	}
}

// No token reaches the log, however the path is spelled.
func TestTokensNeverLogged(t *testing.T) {
	var logs lockedBuffer
	a := customAPI(t, httpapi.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	secret := "Zq7SECRETpart"
	for _, p := range []string{
		"/api/v1/invitations/sbi_" + secret,
		"/api/v1//invitations/sbi_" + secret,
		"/api/v1/./invitations/sbi_" + secret + "/accept",
		"//invite/sbi_" + secret,
		"/api/v1/x/sbs_" + secret,
		"/api/v1/x/sbk_" + secret,
		"/api/v1/password-resets/sbp_" + secret,
		"/api/v1/dispatch/sbr_" + secret,
		"/api/v1/invitations/sbi%5F" + secret,
	} {
		req, err := http.NewRequestWithContext(context.Background(), "GET", a.srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = p // sent as spelled, not cleaned by the client
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if out := logs.String(); strings.Contains(out, secret) || !strings.Contains(out, "[redacted]") {
		t.Fatalf("a token reached the log:\n%s", out)
	}
}
