package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// peopleAPI is the API with system mail going to a real SMTP server on loopback.
type peopleAPI struct {
	*api
	catcher *mail.Catcher
	system  *mail.SystemWorker
}

func eachPeopleAPI(t *testing.T, fn func(t *testing.T, a *peopleAPI)) {
	t.Helper()
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { configureMail(c); c.SystemMail = true }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Invitations: s, SMTP: s, WhiteLabel: s, People: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		c := startSMTP(t, mail.CatcherOptions{})
		server, err := mail.ParseSMTPURL("smtp://"+c.Addr()+"?security=none", "Switchboard <noreply@example.com>")
		if err != nil {
			t.Fatal(err)
		}
		w := mail.NewSystemWorker(s, mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second}), server, mail.WorkerConfig{})
		fn(t, &peopleAPI{api: &api{t: t, srv: srv, store: s, clock: clock}, catcher: c, system: w})
	})
}

var resetLinkRe = regexp.MustCompile(testBaseURL + `/reset/(sbp_[A-Za-z0-9_-]+)`)

// resetToken sends the queued system mail and returns the token of the newest reset link to email.
func (a *peopleAPI) resetToken(email string) string {
	a.t.Helper()
	if _, err := a.system.RunOnce(context.Background()); err != nil {
		a.t.Fatal(err)
	}
	msgs := a.catcher.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].To) == 1 && strings.EqualFold(msgs[i].To[0], email) {
			m := resetLinkRe.FindStringSubmatch(msgs[i].Text)
			if m == nil {
				a.t.Fatalf("reset mail without a link: %s", msgs[i].Text)
			}
			return m[1]
		}
	}
	a.t.Fatalf("no mail to %s", email)
	return ""
}

func TestPasswordReset(t *testing.T) {
	eachPeopleAPI(t, func(t *testing.T, a *peopleAPI) {
		u := a.signUp("Ann")
		other := a.api.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(t, 200).Str("token")

		// Known and unknown emails get the same answer; only the known one gets mail.
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": "nobody@example.com"}).want(t, 202)
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": strings.ToUpper(u.Email)}).want(t, 202)
		token := a.resetToken(u.Email)
		if n := len(a.catcher.Messages()); n != 1 {
			t.Fatalf("%d messages caught, want 1", n)
		}
		m := a.catcher.Messages()[0]
		if !strings.Contains(m.From, "noreply@example.com") || !strings.Contains(m.Text, "expires") {
			t.Fatalf("reset mail: from %q text %q", m.From, m.Text)
		}
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": "not an email"}).want(t, 422, "validation_failed")

		// Too short a password changes nothing; the right one works once.
		a.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "password": "short"}).want(t, 422, "validation_failed")
		a.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "password": "a new password"}).want(t, 204)
		a.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "password": "another password"}).want(t, 410, "reset_used")
		// Every session ended; the new password logs in, the old does not.
		a.do("GET", "/api/v1/me", u.Token, nil).want(t, 401)
		a.do("GET", "/api/v1/me", other, nil).want(t, 401)
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(t, 401)
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "a new password"}).want(t, 200)

		// A link works for an hour.
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(t, 202)
		token = a.resetToken(u.Email)
		a.clock.Advance(time.Hour)
		a.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "password": "a third password"}).want(t, 410, "reset_expired")
		a.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"token": "sbp_unknown", "password": "a third password"}).want(t, 404, "not_found")

	})
}

func TestPasswordResetRateLimited(t *testing.T) {
	eachPeopleAPI(t, func(t *testing.T, a *peopleAPI) {
		u := a.signUp("Ann")
		for i := 0; i < 5; i++ {
			a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(t, 202)
		}
		r := a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(t, 429, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// Per email: another email still goes through, until the address's own limit.
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": "else@example.com"}).want(t, 202)
		for i := 0; i < 100; i++ {
			a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": fmt.Sprintf("x%d@example.com", i)})
		}
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": "fresh@example.com"}).want(t, 429, "rate_limited")
		a.clock.Advance(time.Hour + time.Second)
		a.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(t, 202)
	})
}

func TestChangePasswordAndSessions(t *testing.T) {
	eachPeopleAPI(t, func(t *testing.T, a *peopleAPI) {
		u := a.signUp("Ann")
		second := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(t, 200).Str("token")

		list := a.do("GET", "/api/v1/me/sessions", u.Token, nil).want(t, 200).Items()
		if len(list) != 2 {
			t.Fatalf("%d sessions, want 2", len(list))
		}
		var current, otherID string
		for _, s := range list {
			for _, f := range []string{"id", "created_at", "last_used_at", "user_agent", "ip", "current"} {
				if _, ok := s[f]; !ok {
					t.Fatalf("session lacks %s: %v", f, s)
				}
			}
			if s["current"] == true {
				current = s["id"].(string)
			} else {
				otherID = s["id"].(string)
			}
			if s["ip"] != "127.0.0.1" || s["user_agent"] == "" {
				t.Fatalf("session client: %v", s)
			}
		}
		if current == "" || otherID == "" || strings.HasPrefix(current, "sbs_") {
			t.Fatalf("sessions: %v", list)
		}

		// An API key cannot change the password.
		key := a.do("POST", "/api/v1/workspaces/"+u.WorkspaceID+"/api-keys", u.Token, map[string]string{"name": "k", "role": "admin"}).want(t, 201).Str("key")
		a.do("POST", "/api/v1/me/password", key, map[string]string{"current_password": "correct horse battery", "new_password": "a new password"}).want(t, 403)
		a.do("POST", "/api/v1/me/password", u.Token, map[string]string{"current_password": "wrong password", "new_password": "a new password"}).want(t, 403, "invalid_credentials")
		a.do("POST", "/api/v1/me/password", u.Token, map[string]string{"current_password": "correct horse battery", "new_password": "short"}).want(t, 422, "validation_failed")
		a.do("GET", "/api/v1/me", second, nil).want(t, 200) // nothing changed
		a.do("POST", "/api/v1/me/password", u.Token, map[string]string{"current_password": "correct horse battery", "new_password": "a new password"}).want(t, 204)
		a.do("GET", "/api/v1/me", u.Token, nil).want(t, 200)
		a.do("GET", "/api/v1/me", second, nil).want(t, 401)

		// Ending a session: one's own only.
		third := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "a new password"}).want(t, 200).Str("token")
		var thirdID string
		for _, s := range a.do("GET", "/api/v1/me/sessions", third, nil).want(t, 200).Items() {
			if s["current"] == true {
				thirdID = s["id"].(string)
			}
		}
		bob := a.signUp("Bob")
		a.do("DELETE", "/api/v1/me/sessions/"+thirdID, bob.Token, nil).want(t, 404, "not_found")
		a.do("GET", "/api/v1/me", third, nil).want(t, 200)
		a.do("DELETE", "/api/v1/me/sessions/"+thirdID, u.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/me", third, nil).want(t, 401)
		a.do("GET", "/api/v1/me", u.Token, nil).want(t, 200)
	})
}

var _ = sb.RoleAdmin
