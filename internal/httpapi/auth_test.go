package httpapi_test

import (
	"fmt"
	"testing"
	"time"
)

func TestSignUpLogInMe(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		r := a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "Ada@Example.com", "password": "correct horse", "name": "Ada"}).want(t, 201)
		if r.Str("user.email") != "Ada@Example.com" || r.Str("token") == "" {
			t.Fatalf("bad sign-up answer: %s", r.Raw)
		}
		a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "ada@example.COM", "password": "correct horse", "name": "Ada"}).want(t, 409, "email_taken")

		wrongPw := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ada@example.com", "password": "wrong horse"}).want(t, 401, "invalid_credentials")
		wrongEmail := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "correct horse"}).want(t, 401, "invalid_credentials")
		if wrongPw.Str("detail") != wrongEmail.Str("detail") {
			t.Fatalf("log-in failures differ: %q vs %q", wrongPw.Str("detail"), wrongEmail.Str("detail"))
		}
		login := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ADA@example.com", "password": "correct horse"}).want(t, 200)
		if login.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatal("answers holding a token must not be cached")
		}
		tok := login.Str("token")

		me := a.do("GET", "/api/v1/me", tok, nil).want(t, 200)
		ws := me.Body["workspaces"].([]any)
		accs := me.Body["accounts"].([]any)
		if len(ws) != 1 || len(accs) != 1 {
			t.Fatalf("sign-up should make one account and one workspace: %s", me.Raw)
		}
		w := ws[0].(map[string]any)
		if w["role"] != "owner" || w["type"] != "simple" || w["parent_id"] != nil {
			t.Fatalf("first workspace: %v", w)
		}
		if accs[0].(map[string]any)["plan"] != "free" {
			t.Fatalf("default plan: %v", accs[0])
		}

		a.do("POST", "/api/v1/auth/logout", tok, nil).want(t, 204)
		a.do("GET", "/api/v1/me", tok, nil).want(t, 401, "unauthorized")
		a.do("GET", "/api/v1/me", "", nil).want(t, 401, "unauthorized")
		a.do("GET", "/api/v1/me", "sbs_forged", nil).want(t, 401, "unauthorized")
	})
}

func TestSignUpValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		for name, body := range map[string]any{
			"short password": map[string]string{"email": "x@example.com", "password": "short", "name": "X"},
			"bad email":      map[string]string{"email": "not-an-email", "password": "long enough", "name": "X"},
			"no name":        map[string]string{"email": "x@example.com", "password": "long enough", "name": "  "},
			"unknown field":  map[string]any{"email": "x@example.com", "password": "long enough", "name": "X", "admin": true},
			"wrong type":     map[string]any{"email": 5, "password": "long enough", "name": "X"},
		} {
			r := a.do("POST", "/api/v1/auth/signup", "", body)
			if r.Status != 422 || r.Str("code") != "validation_failed" || len(r.Get("errors").([]any)) == 0 {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		a.do("POST", "/api/v1/auth/signup", "", "{not json").want(t, 400, "bad_request")
		a.do("POST", "/api/v1/auth/signup", "", `{"email":"x@example.com"} {}`).want(t, 400, "bad_request")
		a.do("POST", "/api/v1/auth/login", "", "").want(t, 400, "bad_request")
		// Nothing was created by the refused sign-ups.
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "x@example.com", "password": "long enough"}).want(t, 401)
	})
}

func TestLogInRateLimitedOnFailures(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Rate")
		var last *resp
		for i := 0; i < 11; i++ {
			last = a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "wrong password"})
		}
		last.want(t, 429, "rate_limited")
		if last.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// Even the right password waits now; after the wait it works.
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(t, 429)
		a.clock.Advance(2 * 60e9)
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(t, 200)
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		a.do("GET", "/api/v1/nothing-here", "", nil).want(t, 404, "not_found")
		r := a.do("DELETE", "/api/v1/me", "", nil).want(t, 405, "method_not_allowed")
		if r.Header.Get("Allow") != "GET" {
			t.Fatalf("Allow: %q", r.Header.Get("Allow"))
		}
		doc := a.do("GET", "/api/v1/openapi.json", "", nil).want(t, 200)
		if doc.Str("openapi") != "3.1.0" {
			t.Fatalf("openapi version: %v", doc.Get("openapi"))
		}
	})
}

// TestLogInRateLimitedPerAddress: failures for many emails from one address run out
// the address's allowance, so spraying passwords is slow too.
func TestLogInRateLimitedPerAddress(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		var last *resp
		for i := 0; i < 201; i++ {
			last = a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": fmt.Sprintf("spray%d@example.com", i), "password": "wrong password"})
		}
		last.want(t, 429, "rate_limited")
		a.clock.Advance(10 * time.Second)
		a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "fresh@example.com", "password": "wrong password"}).want(t, 401, "invalid_credentials")
	})
}
