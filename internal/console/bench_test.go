package console_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard/switchboard/internal/storetest"
)

// BenchmarkPages measures how long the console takes to answer each main page for
// the agency's owner: authentication from the cookie, the workspace and permission
// check, the page's queries (SQLite) and the template. Run:
//
//	go test ./internal/console -run '^$' -bench BenchmarkPages -benchmem
func BenchmarkPages(b *testing.B) {
	clock := storetest.NewClock()
	st := storetest.Open(b, "sqlite", storetest.Options{Configure: configure}, clock)
	s := newSite(b, st, clock)
	tm := newTeam(b, s)
	h := s.srv.Config.Handler
	cookie := &http.Cookie{Name: "sb_session", Value: tm.owner.token()}
	ag := "/w/" + tm.agency
	for _, p := range []struct{ name, path string }{
		{"login", "/login"},
		{"dashboard", ag},
		{"team", ag + "/team"},
		{"clients", ag + "/clients"},
		{"billing", ag + "/billing"},
		{"settings", ag + "/settings"},
		{"integrations", ag + "/settings/integrations"},
		{"white-label", ag + "/settings/white-label"},
		{"api-keys", ag + "/settings/api-keys"},
		{"audit", ag + "/audit"},
		{"account", "/account"},
		{"new-workspace", "/w/new"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", p.path, nil)
				if p.name != "login" {
					req.AddCookie(cookie)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, rec.Code)
				}
			}
		})
	}
}
