package console_test

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var (
	inviteLinkRe = regexp.MustCompile(`/invite/([A-Za-z0-9_-]+)`)
	resetLinkRe  = regexp.MustCompile(`/reset/(sbp_[A-Za-z0-9_-]+)`)
)

func linkToken(t *testing.T, re *regexp.Regexp, text string) string {
	t.Helper()
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no link in %q", text)
	}
	return m[1]
}

// The invitation page hands over: after sign-up, or log-in, the person is signed in
// and lands in the workspace.
func TestInvitationHandsOver(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		catcher := startCatcher(t)
		o := s.signUp("Olive", "owner@example.com")
		ws := o.firstWorkspace()
		me, _ := s.store.Me(t.Context(), o.actor())
		if _, err := s.store.SetPlan(t.Context(), sb.Actor{Operator: true}, me.Accounts[0].ID, sb.PlanPro); err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(catcher.Addr())
		wantStatus(t, o.post("/w/"+ws+"/settings/integrations", url.Values{"host": {host}, "port": {port}, "security": {"none"}, "from_email": {"team@example.com"}}), http.StatusSeeOther)
		p := o.post("/w/"+ws+"/settings/integrations/test", url.Values{"to": {"check@example.com"}})
		wantBody(t, o.follow(p), "took the test message")
		wantStatus(t, o.post("/w/"+ws+"/team/invitations", url.Values{"email": {"new@example.com"}, "role": {"manager"}}), http.StatusSeeOther)
		token := linkToken(t, inviteLinkRe, s.mailTo(catcher, "new@example.com").Text)
		wantBody(t, o.get("/w/"+ws+"/settings/integrations"), "Invitation to new@example.com", "sent")

		// Opening the link (twice) does not use it up; it shows the workspace.
		anon := s.browser()
		page := anon.get("/invite/" + token)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, anon.get("/invite/"+token), "Olive&#39;s workspace", "manager", `action="/invite/`+token+`/signup"`)
		if page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatal("the invitation page leaks its token through Referer")
		}
		p = anon.post("/invite/"+token+"/signup", url.Values{"name": {"Nina New"}, "email": {"new@example.com"}, "password": {"password-123"}})
		wantStatus(t, p, http.StatusSeeOther)
		if p.Location() != "/w/"+ws || anon.token() == "" {
			t.Fatalf("after sign-up: %q, cookie %q", p.Location(), anon.token())
		}
		wantBody(t, anon.follow(p), "Welcome to Olive&#39;s workspace!", "your role: <strong>manager</strong>")
		if got := anon.get("/invite/" + token); got.Status != http.StatusGone {
			t.Fatalf("a used link: %d", got.Status)
		}

		// An existing person logs in through the page and lands in the workspace.
		bob := s.signUp("Bob", "bob@example.com")
		_ = bob
		wantStatus(t, o.post("/w/"+ws+"/team/invitations", url.Values{"email": {"bob@example.com"}, "role": {"viewer"}}), http.StatusSeeOther)
		token = linkToken(t, inviteLinkRe, s.mailTo(catcher, "bob@example.com").Text)
		b2 := s.browser()
		p = b2.post("/invite/"+token, url.Values{"email": {"bob@example.com"}, "password": {"password-123"}}) // the page's own URL logs in and accepts
		if p.Status != http.StatusSeeOther || p.Location() != "/w/"+ws {
			t.Fatalf("log in and join: %d %q", p.Status, p.Location())
		}

		// A revoked link is a 410 page.
		wantStatus(t, o.post("/w/"+ws+"/team/invitations", url.Values{"email": {"gone@example.com"}, "role": {"viewer"}}), http.StatusSeeOther)
		token = linkToken(t, inviteLinkRe, s.mailTo(catcher, "gone@example.com").Text)
		invs, _ := s.store.ListInvitations(t.Context(), o.actor(), ws, "")
		for _, inv := range invs {
			if inv.Email == "gone@example.com" {
				wantStatus(t, o.post("/w/"+ws+"/team/invitations/"+inv.ID+"/revoke", nil), http.StatusSeeOther)
			}
		}
		page = s.browser().get("/invite/" + token)
		wantStatus(t, page, http.StatusGone)
		wantBody(t, page, "This link no longer works")
		wantStatus(t, s.browser().get("/invite/not-a-token"), http.StatusNotFound)
	})
}

func TestForgotAndReset(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		catcher := startCatcher(t)
		b := s.signUp("Ann", "ann@example.com")
		anon := s.browser()
		wantBody(t, anon.get("/forgot"), `name="email"`)
		for _, email := range []string{"ann@example.com", "nobody@example.com"} {
			p := anon.post("/forgot", url.Values{"email": {email}})
			if p.Status != http.StatusSeeOther || p.Location() != "/login" {
				t.Fatalf("forgot %s: %d %q", email, p.Status, p.Location())
			}
		}
		msg := s.mailTo(catcher, "ann@example.com")
		if len(catcher.Messages()) != 1 {
			t.Fatalf("%d messages; an unknown email got mail", len(catcher.Messages()))
		}
		token := linkToken(t, resetLinkRe, msg.Text)
		wantBody(t, anon.get("/reset/"+token), `name="password"`)
		p := anon.post("/reset/"+token, url.Values{"password": {"short"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		p = anon.post("/reset/"+token, url.Values{"password": {"brand-new-password"}})
		if p.Status != http.StatusSeeOther || p.Location() != "/login" {
			t.Fatalf("reset: %d %q", p.Status, p.Location())
		}
		if got := b.get("/account"); got.Status != http.StatusSeeOther {
			t.Fatalf("a session survived the reset: %d", got.Status)
		}
		wantStatus(t, anon.get("/reset/"+token), http.StatusGone)
		wantStatus(t, anon.get("/reset/sbp_unknown"), http.StatusNotFound)
		wantStatus(t, anon.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"brand-new-password"}}), http.StatusSeeOther)

		// An hour later a fresh link no longer works.
		wantStatus(t, anon.post("/forgot", url.Values{"email": {"ann@example.com"}}), http.StatusSeeOther)
		token = linkToken(t, resetLinkRe, s.mailTo(catcher, "ann@example.com").Text)
		s.clock.Advance(time.Hour)
		p = anon.get("/reset/" + token)
		wantStatus(t, p, http.StatusGone)
		wantBody(t, p, "expired")
		_ = strconv.Itoa
		_ = strings.ToLower
	})
}
