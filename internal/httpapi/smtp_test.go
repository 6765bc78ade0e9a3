package httpapi_test

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestSMTPSettings(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/integrations/smtp"
		a.do("GET", path, owner.Token, nil).want(t, 404, "not_found")
		a.do("DELETE", path, owner.Token, nil).want(t, 404)
		for name, body := range map[string]map[string]any{
			"port 0":        {"host": "smtp.example.com", "port": 0, "from_email": "a@example.com", "security": "tls"},
			"port 70000":    {"host": "smtp.example.com", "port": 70000, "from_email": "a@example.com", "security": "tls"},
			"no host":       {"host": "", "port": 587, "from_email": "a@example.com", "security": "tls"},
			"bad host":      {"host": "smtp example.com", "port": 587, "from_email": "a@example.com", "security": "tls"},
			"bad from":      {"host": "smtp.example.com", "port": 587, "from_email": "nope", "security": "tls"},
			"bad security":  {"host": "smtp.example.com", "port": 587, "from_email": "a@example.com", "security": "ssl"},
			"CRLF name":     {"host": "smtp.example.com", "port": 587, "from_email": "a@example.com", "from_name": "A\r\nBcc: x@example.com", "security": "tls"},
			"unknown field": {"host": "smtp.example.com", "port": 587, "from_email": "a@example.com", "security": "tls", "pass": "x"},
		} {
			r := a.do("PUT", path, owner.Token, body)
			if r.Status != 422 || r.Str("code") != "validation_failed" || len(r.Get("errors").([]any)) == 0 {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		catcher := startSMTP(t, mail.CatcherOptions{})
		r := a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr(), map[string]any{"username": "u", "password": "s3cret-pass"})
		if r.Get("password_set") != true || strings.Contains(string(r.Raw), "s3cret") || r.Str("username") != "u" || r.Get("inherited") != false {
			t.Fatalf("put: %s", r.Raw)
		}
		g := a.do("GET", path, owner.Token, nil).want(t, 200)
		if g.Get("password_set") != true || strings.Contains(string(g.Raw), "s3cret") || g.Str("security") != "none" || g.Str("from_email") != "team@example.com" {
			t.Fatalf("get: %s", g.Raw)
		}
		// A PUT without a password keeps the stored one, for the same server and
		// user; another user (or host, or port) needs the password again.
		r = a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr(), map[string]any{"username": "u", "from_name": "Team"})
		if r.Get("password_set") != true || r.Str("username") != "u" {
			t.Fatalf("put without password: %s", r.Raw)
		}
		host, port, _ := net.SplitHostPort(catcher.Addr())
		p, _ := strconv.Atoi(port)
		r = a.do("PUT", path, owner.Token, map[string]any{"host": host, "port": p, "username": "u2", "from_email": "team@example.com", "security": "none"}).want(t, 422, "validation_failed")
		if !strings.Contains(string(r.Raw), `"location":"body.password"`) {
			t.Fatalf("the refusal does not name the password: %s", r.Raw)
		}
		a.do("DELETE", path, owner.Token, nil).want(t, 204)
		a.do("GET", path, owner.Token, nil).want(t, 404)
	})
}

func TestSMTPPasswordUsedForAuth(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/integrations/smtp"
		good := startSMTP(t, mail.CatcherOptions{Username: "mailer", Password: "right-pass"})
		a.setSMTP(owner.Token, owner.WorkspaceID, good.Addr(), map[string]any{"username": "mailer", "password": "right-pass"})
		// The stored (encrypted) password still works after a PUT without one.
		a.setSMTP(owner.Token, owner.WorkspaceID, good.Addr(), map[string]any{"username": "mailer"})
		a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com"}).want(t, 200)
		if len(good.Messages()) != 1 {
			t.Fatal("test message not received")
		}
		a.setSMTP(owner.Token, owner.WorkspaceID, good.Addr(), map[string]any{"username": "mailer", "password": "wrong-pass"})
		r := a.do("POST", path+"/test", owner.Token, map[string]any{"to": "me@example.com"}).want(t, 502, "smtp_error")
		if !strings.Contains(r.Str("detail"), "535") {
			t.Fatalf("the server's reply should be shown: %s", r.Raw)
		}
		a.do("POST", path+"/test", owner.Token, map[string]any{"to": "bad"}).want(t, 422)
	})
}

func TestSMTPTestSend(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/integrations/smtp/test"
		a.do("POST", path, owner.Token, map[string]any{"to": "me@example.com"}).want(t, 409, "smtp_not_configured")
		rejecting := startSMTP(t, mail.CatcherOptions{OnRcpt: func(string) error { return mail.Reply(550, "No such user here") }})
		a.setSMTP(owner.Token, owner.WorkspaceID, rejecting.Addr())
		r := a.do("POST", path, owner.Token, map[string]any{"to": "me@example.com"}).want(t, 502, "smtp_error")
		if !strings.Contains(r.Str("detail"), "550") || !strings.Contains(r.Str("detail"), "No such user here") {
			t.Fatalf("detail should carry the server's reply: %s", r.Raw)
		}
		ok := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, ok.Addr())
		a.do("POST", path, owner.Token, map[string]any{"to": "me@example.com"}).want(t, 200)
		if m := ok.Messages(); len(m) != 1 || m[0].To[0] != "me@example.com" {
			t.Fatalf("received %+v", m)
		}
		// Test sends are rate-limited per workspace.
		limited := false
		for range 20 {
			r := a.do("POST", path, owner.Token, map[string]any{"to": "me@example.com"})
			if r.Status == 429 {
				if r.Str("code") != "rate_limited" || r.Header.Get("Retry-After") == "" {
					t.Fatalf("429 without rate_limited and Retry-After: %s", r.Raw)
				}
				limited = true
				break
			}
		}
		if !limited {
			t.Fatal("test sends were never rate-limited")
		}
	})
}

// inviteFailing invites someone through a server built by opts and runs the
// worker once; it returns the invitation id.
func inviteThrough(t *testing.T, a *api, addr string, extra ...map[string]any) (user, string) {
	owner := a.signUp("Olga")
	a.setPlan(owner.AccountID, "starter")
	a.setSMTP(owner.Token, owner.WorkspaceID, addr, extra...)
	id := a.invite(owner.Token, owner.WorkspaceID, "invitee@example.com", sb.RoleMember).want(t, 201).Str("id")
	a.deliver()
	return owner, id
}

func (a *api) delivery(owner user, id string) map[string]any {
	a.t.Helper()
	for _, it := range a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations", owner.Token, nil).want(a.t, 200).Items() {
		if it["id"] == id {
			return it["delivery"].(map[string]any)
		}
	}
	a.t.Fatalf("invitation %s not listed", id)
	return nil
}

func TestDeliveryPermanentFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		opts  mail.CatcherOptions
		extra map[string]any
		want  string
	}{
		"550 recipient": {opts: mail.CatcherOptions{OnRcpt: func(string) error { return mail.Reply(550, "Mailbox unavailable") }}, want: "550"},
		"535 auth": {opts: mail.CatcherOptions{Username: "u", Password: "right"},
			extra: map[string]any{"username": "u", "password": "wrong"}, want: "535"},
	} {
		t.Run(name, func(t *testing.T) {
			eachAPI(t, func(t *testing.T, a *api) {
				srv := startSMTP(t, tc.opts)
				extra := []map[string]any{}
				if tc.extra != nil {
					extra = append(extra, tc.extra)
				}
				owner, id := inviteThrough(t, a, srv.Addr(), extra...)
				d := a.delivery(owner, id)
				if d["status"] != "failed" || !strings.Contains(d["error"].(string), tc.want) {
					t.Fatalf("delivery %v, want failed with %s", d, tc.want)
				}
				a.clock.Advance(time.Hour)
				if a.deliver() != 0 {
					t.Fatal("a permanent failure was retried")
				}
			})
		})
	}
}

func TestDeliveryTemporaryFailureRetried(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		var refuse atomic.Bool
		refuse.Store(true)
		srv := startSMTP(t, mail.CatcherOptions{OnMail: func(string) error {
			if refuse.Load() {
				return mail.Reply(421, "Try again later")
			}
			return nil
		}})
		owner, id := inviteThrough(t, a, srv.Addr())
		if d := a.delivery(owner, id); d["status"] != "queued" {
			t.Fatalf("after a 421: %v", d)
		}
		if a.deliver() != 0 {
			t.Fatal("retried before the backoff")
		}
		a.clock.Advance(2 * time.Minute) // first delay: about a minute
		a.deliver()
		if d := a.delivery(owner, id); d["status"] != "queued" {
			t.Fatalf("after a second 421: %v", d)
		}
		refuse.Store(false)
		a.clock.Advance(3 * time.Minute)
		a.deliver()
		if d := a.delivery(owner, id); d["status"] != "sent" {
			t.Fatalf("after the server recovered: %v", d)
		}
		if len(srv.Messages()) != 1 {
			t.Fatalf("%d messages received", len(srv.Messages()))
		}
	})
}

func TestDeliveryServerDownThenBack(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now: connection refused
		owner, id := inviteThrough(t, a, addr)
		if d := a.delivery(owner, id); d["status"] != "queued" {
			t.Fatalf("while the server is down: %v", d)
		}
		srv := startSMTPAt(t, addr, mail.CatcherOptions{})
		a.clock.Advance(2 * time.Minute)
		a.deliver()
		for range 3 {
			a.clock.Advance(time.Hour)
			a.deliver()
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("%d messages received, want exactly 1", n)
		}
		if d := a.delivery(owner, id); d["status"] != "sent" {
			t.Fatalf("after the server came back: %v", d)
		}
	})
}

func TestWhiteLabel(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/white-label"
		g := a.do("GET", path, owner.Token, nil).want(t, 200)
		if g.Str("brand_name") != "" || g.Str("custom_domain") != "" {
			t.Fatalf("empty branding: %s", g.Raw)
		}
		bad := a.do("PUT", path, owner.Token, map[string]any{"brand_name": "B", "logo_url": "http://x.example/l.png", "primary_color": "red",
			"custom_domain": "https://app.example.com/", "support_email": "nope"}).want(t, 422, "validation_failed")
		locs := map[string]bool{}
		for _, e := range bad.Get("errors").([]any) {
			locs[e.(map[string]any)["location"].(string)] = true
		}
		for _, f := range []string{"body.logo_url", "body.primary_color", "body.custom_domain", "body.support_email"} {
			if !locs[f] {
				t.Errorf("no field error for %s: %s", f, bad.Raw)
			}
		}
		r := a.do("PUT", path, owner.Token, map[string]any{"brand_name": "Brand", "logo_url": "https://x.example/l.png", "primary_color": "#A1B2C3",
			"custom_domain": "App.Brand.example", "support_email": "help@brand.example"}).want(t, 200)
		if r.Str("primary_color") != "#a1b2c3" || r.Str("custom_domain") != "app.brand.example" {
			t.Fatalf("put: %s", r.Raw)
		}
		if a.do("GET", path, owner.Token, nil).want(t, 200).Str("brand_name") != "Brand" {
			t.Fatal("branding not kept")
		}
		// Links use the custom domain, never the Host header.
		a.setPlan(owner.AccountID, "starter")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		inv := a.invite(owner.Token, owner.WorkspaceID, "x@example.com", sb.RoleMember).want(t, 201)
		if !strings.HasPrefix(inv.Str("accept_url"), "https://app.brand.example/invite/sbi_") {
			t.Fatalf("accept_url %s", inv.Str("accept_url"))
		}
	})
}

func TestTokenLookupsRateLimited(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		for i := range 70 {
			r := a.do("GET", "/api/v1/invitations/sbi_guess", "", nil)
			if r.Status == 429 {
				if i < 60 || r.Header.Get("Retry-After") == "" || r.Str("code") != "rate_limited" {
					t.Fatalf("429 after %d lookups: %s %v", i, r.Raw, r.Header)
				}
				a.clock.Advance(5 * time.Second)
				a.do("GET", "/api/v1/invitations/sbi_guess", "", nil).want(t, 404)
				return
			}
			if r.Status != 404 {
				t.Fatalf("lookup %d: %d", i, r.Status)
			}
		}
		t.Fatal("token lookups were never rate-limited")
	})
}

func TestInvitationsRateLimited(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "enterprise")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		for i := range 100 {
			a.invite(owner.Token, owner.WorkspaceID, "p"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", sb.RoleViewer).want(t, 201)
		}
		r := a.invite(owner.Token, owner.WorkspaceID, "last@example.com", sb.RoleViewer).want(t, 429, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		a.clock.Advance(time.Minute)
		a.invite(owner.Token, owner.WorkspaceID, "last@example.com", sb.RoleViewer).want(t, 201)
	})
}
