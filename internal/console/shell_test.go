package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/console"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestSignUpLogInLogOut(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		anon := s.browser()
		p := anon.get("/")
		wantStatus(t, p, http.StatusSeeOther)
		if p.Location() != "/login" {
			t.Fatalf("/ signed out goes to %q", p.Location())
		}
		p = anon.get("/w/ws_whatever/team")
		if p.Status != http.StatusSeeOther || p.Location() != "/login" {
			t.Fatalf("a signed-out page: %d %q", p.Status, p.Location())
		}
		if p := anon.get("/logout"); p.Status != http.StatusSeeOther {
			t.Fatalf("GET /logout signed out: %d", p.Status)
		}
		wantBody(t, anon.get("/login"), `name="email"`, `name="password"`, `href="/signup"`, `href="/forgot"`)
		wantBody(t, anon.get("/signup"), `name="name"`, `name="email"`, `name="password"`, `href="/login"`)

		b := s.browser()
		p = b.post("/signup", url.Values{"name": {"Ann"}, "email": {"ann@example.com"}, "password": {"password-123"}})
		wantStatus(t, p, http.StatusSeeOther)
		ck := cookieHeader(p.Header, "sb_session")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(ck, want) {
				t.Fatalf("session cookie %q lacks %s", ck, want)
			}
		}
		if strings.Contains(ck, "Secure") {
			t.Fatalf("cookie is Secure on an http base URL: %q", ck)
		}
		ws := b.firstWorkspace()
		p = b.get("/")
		if p.Location() != "/w/"+ws {
			t.Fatalf("/ signed in goes to %q, want /w/%s", p.Location(), ws)
		}
		dash := b.get("/w/" + ws)
		wantStatus(t, dash, http.StatusOK)
		wantBody(t, dash, "Welcome!", "Ann&#39;s workspace", `href="/w/`+ws+`/team"`)
		// The flash shows once.
		wantNoBody(t, b.get("/w/"+ws), "Welcome!")

		// The cookie's value is a session token of the API.
		req, _ := http.NewRequest("GET", s.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+b.token())
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
			t.Fatalf("cookie token as bearer: %v %v", res, err)
		}
		// The JSON API stays bearer-only: the cookie alone is not enough.
		if p := b.get("/api/v1/me"); p.Status != http.StatusUnauthorized {
			t.Fatalf("API with the cookie only: %d", p.Status)
		}

		// Wrong password: the form again with the problem, 401.
		c := s.browser()
		p = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong-password"}})
		wantStatus(t, p, http.StatusUnauthorized)
		wantBody(t, p, "not right", `value="ann@example.com"`)
		p = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"password-123"}, "next": {"/w/" + ws + "/team"}})
		wantStatus(t, p, http.StatusSeeOther)
		if p.Location() != "/w/"+ws+"/team" {
			t.Fatalf("log-in goes to %q", p.Location())
		}
		p = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"password-123"}, "next": {"//evil.example/"}})
		if p.Location() != "/" {
			t.Fatalf("log-in follows a foreign next: %q", p.Location())
		}

		// A page asked for while signed out is where log-in lands.
		d := s.browser()
		wantStatus(t, d.get("/w/"+ws+"/team"), http.StatusSeeOther)
		p = d.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"password-123"}})
		if p.Location() != "/w/"+ws+"/team" {
			t.Fatalf("log-in after a signed-out page goes to %q", p.Location())
		}
		if p := b.get("/logout"); p.Status != http.StatusMethodNotAllowed || p.Header.Get("Allow") != "POST" {
			t.Fatalf("GET /logout: %d", p.Status)
		}

		// Log-out ends the session on the server.
		tok := b.token()
		p = b.post("/logout", nil)
		wantStatus(t, p, http.StatusSeeOther)
		req, _ = http.NewRequest("GET", s.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if res, _ := http.DefaultClient.Do(req); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token after log-out: %d", res.StatusCode)
		}
		if p := b.get("/w/" + ws); p.Status != http.StatusSeeOther {
			t.Fatalf("page after log-out: %d", p.Status)
		}
	})
}

func TestHeadersAndErrorPages(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		other := s.signUp("Bob", "bob@example.com")
		ws := b.firstWorkspace()

		p := b.get("/w/" + ws)
		h := p.Header
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("Referrer-Policy %q", h.Get("Referrer-Policy"))
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Fatalf("CSP %q", csp)
		}
		if strings.Contains(p.Body, "<script>") {
			t.Fatal("inline script on a page")
		}

		// A non-member gets the 404 page, in the brand, not a bare text.
		p = other.get("/w/" + ws)
		wantStatus(t, p, http.StatusNotFound)
		wantBody(t, p, "Page not found", "<html")
		p = b.get("/no/such/page")
		wantStatus(t, p, http.StatusNotFound)
		wantBody(t, p, "Page not found")
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		tok := b.token()
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Origin": "https://evil.example"},
		} {
			req, _ := http.NewRequest("POST", s.srv.URL+"/logout", nil)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			p := b.do(req)
			wantStatus(t, p, http.StatusForbidden)
			wantBody(t, p, "another site")
		}
		if _, err := s.store.Authenticate(t.Context(), tok); err != nil {
			t.Fatalf("a refused cross-origin log-out ended the session: %v", err)
		}
	})
}

func cookieHeader(h http.Header, name string) string {
	for _, c := range h.Values("Set-Cookie") {
		if strings.HasPrefix(c, name+"=") {
			return c
		}
	}
	return ""
}

// The JSON API is not the console's: a cross-origin API call with a bearer token is
// the API's to answer (problem+json), not refused as a form.
func TestAPIPassesThrough(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/auth/logout", nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Authorization", "Bearer "+b.token())
		if p := b.do(req); p.Status != http.StatusNoContent {
			t.Fatalf("API log-out with an Origin: %d %s", p.Status, p.Body)
		}
		p := b.get("/api/v1/nothing")
		if p.Status != http.StatusNotFound || p.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown API path: %d %s", p.Status, p.Header.Get("Content-Type"))
		}
		if p := b.get("/healthz"); p.Status != http.StatusOK {
			t.Fatalf("healthz: %d", p.Status)
		}
	})
}

// Behind https the session cookie is Secure.
func TestSecureCookieOnHTTPS(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: configure}, func(t *testing.T, st *store.Store, clock *storetest.Clock) {
		c, err := console.New(services(st), console.Config{BaseURL: "https://sb.example", Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "https://sb.example/signup", strings.NewReader(url.Values{"name": {"Ann"}, "email": {"ann@example.com"}, "password": {"password-123"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://sb.example")
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		ck := cookieHeader(rec.Header(), "sb_session")
		if rec.Code != http.StatusSeeOther || !strings.Contains(ck, "Secure") || !strings.Contains(ck, "HttpOnly") {
			t.Fatalf("%d, cookie %q", rec.Code, ck)
		}
	})
}

// / goes to the last workspace opened, also after logging out and in again.
func TestHomeGoesToLastWorkspace(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signUp("Ann", "ann@example.com")
		first := b.firstWorkspace()
		me, _ := s.store.Me(t.Context(), b.actor())
		if _, err := s.store.SetPlan(t.Context(), sb.Actor{Operator: true}, me.Accounts[0].ID, sb.PlanPro); err != nil {
			t.Fatal(err)
		}
		p := b.post("/w/new", url.Values{"name": {"Second"}, "type": {"simple"}})
		second := strings.TrimPrefix(p.Location(), "/w/")
		wantStatus(t, b.get("/w/"+second), http.StatusOK)
		if p := b.get("/"); p.Location() != "/w/"+second {
			t.Fatalf("/ goes to %q, want the last opened /w/%s", p.Location(), second)
		}
		wantStatus(t, b.get("/w/"+first), http.StatusOK)
		wantStatus(t, b.post("/logout", nil), http.StatusSeeOther)
		wantStatus(t, b.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"password-123"}}), http.StatusSeeOther)
		if p := b.get("/"); p.Location() != "/w/"+first {
			t.Fatalf("/ after log-in again goes to %q, want /w/%s", p.Location(), first)
		}
		// Someone else on the same browser is not sent to a workspace they are not in.
		wantStatus(t, b.post("/logout", nil), http.StatusSeeOther)
		c := s.signUp("Bob", "bob@example.com")
		c.http.Jar = b.http.Jar
		wantStatus(t, c.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"password-123"}}), http.StatusSeeOther)
		if p := c.get("/"); p.Location() == "/w/"+first {
			t.Fatal("/ sent another person to the previous person's workspace")
		}
	})
}
