package httpapi_test

// An independent black-box check of the running API against api.md and
// permissions.md: every endpoint of the foundation, its fields and their JSON types,
// its documented status codes and error codes, list paging and the 401/403/404 rules.

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// shape fails unless obj has every field of spec, each of one of the JSON types
// spec allows ("string|null"); "time" is an RFC 3339 string in UTC.
func shape(t *testing.T, what string, obj any, spec map[string]string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a JSON object: %#v", what, obj)
	}
	for field, kinds := range spec {
		v, present := m[field]
		if !present {
			t.Errorf("%s: field %q missing in %v", what, field, m)
			continue
		}
		got := jsonType(v)
		okType := false
		for _, k := range strings.Split(kinds, "|") {
			if k == "time" && got == "string" {
				if isUTCTime(v.(string)) {
					okType = true
				} else {
					t.Errorf("%s: field %q = %q is not an RFC 3339 UTC time", what, field, v)
					okType = true
				}
			}
			if k == got {
				okType = true
			}
		}
		if !okType {
			t.Errorf("%s: field %q is %s (%v), want %s", what, field, got, v, kinds)
		}
	}
}

func isUTCTime(s string) bool {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return false
	}
	_, off := tm.Zone()
	return off == 0 && strings.HasSuffix(s, "Z")
}

// problem checks an error answer: status, code, and an RFC 9457 document with
// status, title, detail and code.
func problem(t *testing.T, r *resp, status int, code string) {
	t.Helper()
	r.want(t, status, code)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	shape(t, "problem", r.Body, map[string]string{"status": "number", "title": "string", "detail": "string", "code": "string"})
	if s, _ := r.Body["status"].(float64); int(s) != status {
		t.Errorf("problem status %v, want %d", r.Body["status"], status)
	}
	if r.Str("title") == "" || r.Str("detail") == "" {
		t.Errorf("problem without title or detail: %s", r.Raw)
	}
	// detail and field messages are sentences for a person, not codes.
	texts := []string{r.Str("detail")}
	if errs, ok := r.Body["errors"].([]any); ok {
		for _, e := range errs {
			shape(t, "problem errors[]", e, map[string]string{"location": "string", "message": "string"})
			m, _ := e.(map[string]any)
			s, _ := m["message"].(string)
			texts = append(texts, s)
		}
	} else if _, present := r.Body["errors"]; present {
		t.Errorf("problem errors is not an array: %s", r.Raw)
	}
	for _, s := range texts {
		if strings.HasPrefix(s, code+":") || strings.HasPrefix(s, r.Str("code")+":") {
			t.Errorf("problem text starts with its code: %q", s)
		}
	}
}

var (
	workspaceShape = map[string]string{
		"id": "string", "account_id": "string", "name": "string", "type": "string",
		"description": "string", "parent_id": "string|null", "owner_id": "string", "role": "string",
		"minute_budget": "number|null", "seconds_used": "number", "created_at": "time",
	}
	accountShape = map[string]string{"id": "string", "name": "string", "plan": "string", "limits": "object", "minutes": "object"}
	limitsShape  = map[string]string{"max_workspaces": "number|null", "max_seats": "number|null", "agency": "bool"}
	minutesShape = map[string]string{"balance_seconds": "number", "allocated_minutes": "number", "unallocated_seconds": "number"}
	memberShape  = map[string]string{"user_id": "string", "email": "string", "name": "string", "role": "string", "inherited": "bool", "joined_at": "time"}
	listShape    = map[string]string{"items": "array", "next_cursor": "string"}
)

func memberOf(t *testing.T, a *api, token, ws, userID string) map[string]any {
	t.Helper()
	for _, m := range a.do("GET", "/api/v1/workspaces/"+ws+"/members?limit=200", token, nil).want(t, 200).Items() {
		if m["user_id"] == userID {
			return m
		}
	}
	return nil
}

func meRole(t *testing.T, a *api, token, ws string) string {
	t.Helper()
	ws0 := a.do("GET", "/api/v1/me", token, nil).want(t, 200).Body["workspaces"].([]any)
	for _, w := range ws0 {
		if w.(map[string]any)["id"] == ws {
			return w.(map[string]any)["role"].(string)
		}
	}
	return ""
}

func TestContractAuth(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		email := fmt.Sprintf("Casey%d@Example.com", userSeq.Add(1))
		r := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": email, "password": "12345678", "name": "Casey"}).want(t, 201)
		shape(t, "signup", r.Body, map[string]string{"user": "object", "token": "string"})
		shape(t, "signup.user", r.Body["user"], map[string]string{"id": "string", "email": "string", "name": "string"})
		if r.Str("token") == "" {
			t.Fatal("empty token")
		}
		userID := r.Str("user.id")

		// Emails are unique case-insensitively, also with spaces around them.
		for _, again := range []string{email, strings.ToUpper(email), strings.ToLower(email), "  " + email + " "} {
			problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": again, "password": "another password", "name": "Twin"}), 409, "email_taken")
		}

		// Password length 8–256.
		for _, c := range []struct {
			pw     string
			status int
		}{{"1234567", 422}, {strings.Repeat("p", 257), 422}, {"", 422}, {strings.Repeat("p", 256), 201}, {"12345678", 201}} {
			e := fmt.Sprintf("pw%d@example.com", userSeq.Add(1))
			r := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": e, "password": c.pw, "name": "P"})
			if c.status == 422 {
				problem(t, r, 422, "validation_failed")
				errs, _ := r.Body["errors"].([]any)
				if len(errs) == 0 {
					t.Fatalf("validation error without errors: %s", r.Raw)
				}
				shape(t, "errors[0]", errs[0], map[string]string{"location": "string", "message": "string"})
			} else {
				r.want(t, 201)
			}
		}
		// Missing fields, bad email, unreadable bodies.
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"password": "12345678", "name": "N"}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "not-an-email", "password": "12345678", "name": "N"}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", `{"email": `), 400, "bad_request")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", `[1,2]`), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "x@example.com", "password": "12345678", "name": "N", "admin": true}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/auth/signup", "", `{"email":"big@example.com","password":"12345678","name":"`+strings.Repeat("x", 2<<20)+`"}`), 413, "body_too_large")

		// Log-in: same answer for a wrong password and an unknown email.
		wrongPw := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": "wrong password"})
		problem(t, wrongPw, 401, "invalid_credentials")
		unknown := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody" + email, "password": "wrong password"})
		problem(t, unknown, 401, "invalid_credentials")
		if wrongPw.Str("detail") != unknown.Str("detail") {
			t.Errorf("log-in failures differ: %q vs %q", wrongPw.Str("detail"), unknown.Str("detail"))
		}
		// The email matches in any case and with spaces around it.
		for _, e := range []string{email, strings.ToUpper(email), " " + email + "  "} {
			li := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": e, "password": "12345678"}).want(t, 200)
			shape(t, "login", li.Body, map[string]string{"user": "object", "token": "string"})
			if li.Str("user.id") != userID {
				t.Fatalf("log-in as %q gave user %s, want %s", e, li.Str("user.id"), userID)
			}
		}
		// The password is exact.
		problem(t, a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": "12345678 "}), 401, "invalid_credentials")
		problem(t, a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": "1234567"}), 401, "invalid_credentials")

		tok := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": "12345678"}).want(t, 200).Str("token")

		// /me: user, accounts, workspaces with the effective role.
		me := a.do("GET", "/api/v1/me", tok, nil).want(t, 200)
		shape(t, "me", me.Body, map[string]string{"user": "object", "accounts": "array", "workspaces": "array"})
		shape(t, "me.user", me.Body["user"], map[string]string{"id": "string", "email": "string", "name": "string"})
		accs := me.Body["accounts"].([]any)
		wss := me.Body["workspaces"].([]any)
		if len(accs) != 1 || len(wss) != 1 {
			t.Fatalf("sign-up should make one account and one workspace: %s", me.Raw)
		}
		shape(t, "me.accounts[0]", accs[0], map[string]string{"id": "string", "name": "string", "plan": "string"})
		shape(t, "me.workspaces[0]", wss[0], map[string]string{"id": "string", "name": "string", "type": "string", "parent_id": "null", "role": "string"})
		if p := accs[0].(map[string]any)["plan"]; p != "free" {
			t.Errorf("default plan %v, want free", p)
		}
		if w := wss[0].(map[string]any); w["type"] != "simple" || w["role"] != "owner" {
			t.Errorf("first workspace %v, want simple, owner", w)
		}

		// 401 for no, malformed or unknown credentials, before anything else.
		for _, h := range []string{"", "sbs_nonsense", "Bearer"} {
			problem(t, a.do("GET", "/api/v1/me", h, nil), 401, "unauthorized")
		}
		problem(t, a.do("GET", "/api/v1/workspaces/ws_does_not_exist", "", nil), 401, "unauthorized")
		problem(t, a.do("GET", "/api/v1/workspaces/ws_does_not_exist", "sbk_bogus", nil), 401, "unauthorized")
		problem(t, a.do("POST", "/api/v1/auth/logout", "", nil), 401, "unauthorized")

		// Log-out ends that token only.
		a.do("POST", "/api/v1/auth/logout", tok, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/me", tok, nil), 401, "unauthorized")
		problem(t, a.do("POST", "/api/v1/auth/logout", tok, nil), 401, "unauthorized")
		a.do("GET", "/api/v1/me", r.Str("token"), nil).want(t, 200)
	})
}

func TestContractGeneralErrors(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Gen")
		problem(t, a.do("GET", "/api/v1/nothing-here", u.Token, nil), 404, "not_found")
		r := a.do("DELETE", "/api/v1/me", u.Token, nil)
		problem(t, r, 405, "method_not_allowed")
		if r.Header.Get("Allow") == "" {
			t.Error("405 without Allow")
		}
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, `{"name": "x"`), 400, "bad_request")
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, `{"name": 5}`), 422, "validation_failed")
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, `{"name": "a"} {"name": "b"}`), 400, "bad_request")
		a.do("GET", "/healthz", "", nil).want(t, 200)
		a.do("GET", "/readyz", "", nil).want(t, 200)
		oa := a.do("GET", "/api/v1/openapi.json", "", nil).want(t, 200)
		if v, _ := oa.Body["openapi"].(string); !strings.HasPrefix(v, "3.1") {
			t.Errorf("openapi version %q", v)
		}
	})
}

func TestContractAccountsAndOperator(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Acct")
		acc := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		shape(t, "account", acc.Body, accountShape)
		shape(t, "account.limits", acc.Body["limits"], limitsShape)
		shape(t, "account.minutes", acc.Body["minutes"], minutesShape)
		if acc.Str("id") != u.AccountID || acc.Str("plan") != "free" || acc.Get("limits.max_workspaces") != 1.0 || acc.Get("limits.max_seats") != 1.0 || acc.Get("limits.agency") != false {
			t.Errorf("free account: %s", acc.Raw)
		}
		if acc.Get("minutes.balance_seconds") != 0.0 || acc.Get("minutes.allocated_minutes") != 0.0 || acc.Get("minutes.unallocated_seconds") != 0.0 {
			t.Errorf("new account minutes: %s", acc.Raw)
		}

		// Plans through the operator, answered with the account.
		for _, c := range []struct {
			plan           string
			maxWS, maxSeat any
			agency         bool
		}{{"starter", 1.0, 5.0, false}, {"pro", 10.0, 25.0, false}, {"enterprise", nil, nil, true}, {"free", 1.0, 1.0, false}} {
			r := a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", operatorToken, map[string]any{"plan": c.plan}).want(t, 200)
			shape(t, "operator plan answer", r.Body, accountShape)
			shape(t, "operator plan answer.limits", r.Body["limits"], limitsShape)
			if r.Str("plan") != c.plan || r.Get("limits.max_workspaces") != c.maxWS || r.Get("limits.max_seats") != c.maxSeat || r.Get("limits.agency") != c.agency {
				t.Errorf("plan %s: %s", c.plan, r.Raw)
			}
			got := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
			if got.Str("plan") != c.plan {
				t.Errorf("account plan %q after setting %q", got.Str("plan"), c.plan)
			}
		}
		problem(t, a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", operatorToken, map[string]any{"plan": "gold"}), 422, "validation_failed")
		problem(t, a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", operatorToken, map[string]any{}), 422, "validation_failed")
		problem(t, a.do("PUT", "/api/v1/operator/accounts/acc_nope/plan", operatorToken, map[string]any{"plan": "pro"}), 404, "not_found")

		// Minutes add to the pool.
		a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", operatorToken, map[string]any{"minutes": 3}).want(t, 201)
		a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", operatorToken, map[string]any{"minutes": 2, "note": "goodwill"}).want(t, 201)
		for _, bad := range []any{0, -1, 1.5, "5", nil} {
			problem(t, a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", operatorToken, map[string]any{"minutes": bad}), 422, "validation_failed")
		}
		problem(t, a.do("POST", "/api/v1/operator/accounts/acc_nope/minutes", operatorToken, map[string]any{"minutes": 1}), 404, "not_found")
		acc = a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.balance_seconds") != 300.0 || acc.Get("minutes.unallocated_seconds") != 300.0 || acc.Get("minutes.allocated_minutes") != 0.0 {
			t.Errorf("after granting 5 minutes: %s", acc.Raw)
		}

		// Operator endpoints: 401 without the operator token, whatever else is sent.
		for _, tok := range []string{"", u.Token, operatorToken + "x"} {
			problem(t, a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", tok, map[string]any{"plan": "pro"}), 401, "unauthorized")
			problem(t, a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", tok, map[string]any{"minutes": 1}), 401, "unauthorized")
		}
		// The operator token is no user session.
		problem(t, a.do("GET", "/api/v1/me", operatorToken, nil), 401, "unauthorized")
		problem(t, a.do("GET", "/api/v1/accounts/"+u.AccountID, operatorToken, nil), 401, "unauthorized")

		// The account is its owner's alone: a workspace admin and a stranger do not see it.
		admin := a.signUp("Admin")
		a.join(u.WorkspaceID, admin, sb.RoleAdmin)
		problem(t, a.do("GET", "/api/v1/accounts/"+u.AccountID, admin.Token, nil), 404, "not_found")
		stranger := a.signUp("Stranger")
		problem(t, a.do("GET", "/api/v1/accounts/"+u.AccountID, stranger.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/accounts/acc_nope", u.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/accounts/"+u.AccountID, "", nil), 401, "unauthorized")
	})
}

// TestContractOperatorDisabled: without an operator token configured, operator
// endpoints answer 404, also to a request that sends some token.
func TestContractOperatorDisabled(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s},
			httpapi.Config{OperatorToken: "", Ready: s.Ping, Now: clock.Now})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		a := &api{t: t, srv: srv, store: s, clock: clock}
		u := a.signUp("NoOp")
		for _, tok := range []string{"", "anything", u.Token} {
			problem(t, a.do("PUT", "/api/v1/operator/accounts/"+u.AccountID+"/plan", tok, map[string]any{"plan": "pro"}), 404, "not_found")
			problem(t, a.do("POST", "/api/v1/operator/accounts/"+u.AccountID+"/minutes", tok, map[string]any{"minutes": 1}), 404, "not_found")
		}
		if p := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200).Str("plan"); p != "free" {
			t.Fatalf("plan changed to %q", p)
		}
	})
}

func TestContractWorkspaceShapes(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Shape")
		a.setPlan(u.AccountID, "enterprise")
		first := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, nil).want(t, 200)
		shape(t, "first workspace", first.Body, workspaceShape)
		if first.Str("type") != "simple" || first.Get("parent_id") != nil || first.Str("owner_id") != u.ID || first.Str("role") != "owner" ||
			first.Str("account_id") != u.AccountID || first.Get("minute_budget") != nil || first.Get("seconds_used") != 0.0 {
			t.Errorf("first workspace: %s", first.Raw)
		}

		c := a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Agency", "type": "agency", "description": "Ours"}).want(t, 201)
		shape(t, "created agency", c.Body, workspaceShape)
		agency := c.Str("id")
		if c.Str("type") != "agency" || c.Str("description") != "Ours" || c.Str("role") != "owner" {
			t.Errorf("agency: %s", c.Raw)
		}
		cl := a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Client", "parent_id": agency}).want(t, 201)
		shape(t, "created client", cl.Body, workspaceShape)
		client := cl.Str("id")
		if cl.Str("type") != "simple" || cl.Str("parent_id") != agency || cl.Str("account_id") != u.AccountID {
			t.Errorf("client: %s", cl.Raw)
		}
		// A client names its type "simple" explicitly too; "agency" under an agency is 422.
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Client 2", "type": "simple", "parent_id": agency}).want(t, 201)
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Sub agency", "type": "agency", "parent_id": agency}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Under simple", "parent_id": u.WorkspaceID}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Under client", "parent_id": client}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Bad type", "type": "enterprise"}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": ""}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "   "}), 422, "validation_failed")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "No parent", "parent_id": "ws_nope"}), 404, "not_found")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "No account", "account_id": "acc_nope"}), 404, "not_found")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Neg", "minute_budget": -1}), 422, "validation_failed")

		// The list: {items, next_cursor}, each with its role.
		l := a.do("GET", "/api/v1/workspaces", u.Token, nil).want(t, 200)
		shape(t, "workspace list", l.Body, listShape)
		if len(l.Items()) != 4 || l.Str("next_cursor") != "" {
			t.Fatalf("list: %s", l.Raw)
		}
		for _, w := range l.Items() {
			shape(t, "listed workspace", w, map[string]string{"id": "string", "name": "string", "type": "string", "parent_id": "string|null", "role": "string"})
		}
		lc := a.do("GET", "/api/v1/workspaces/"+agency+"/clients", u.Token, nil).want(t, 200)
		shape(t, "client list", lc.Body, listShape)
		if len(lc.Items()) != 2 {
			t.Fatalf("clients: %s", lc.Raw)
		}
		for _, w := range lc.Items() {
			shape(t, "listed client", w, workspaceShape)
			if w["parent_id"] != agency {
				t.Errorf("client of another parent: %v", w)
			}
		}
		sc := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID+"/clients", u.Token, nil).want(t, 200)
		if len(sc.Items()) != 0 || sc.Get("items") == nil {
			t.Errorf("clients of a simple workspace: %s", sc.Raw)
		}

		// PATCH: name and description, each optional.
		p := a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"description": "Described"}).want(t, 200)
		shape(t, "patched workspace", p.Body, workspaceShape)
		if p.Str("description") != "Described" || p.Str("name") != first.Str("name") {
			t.Errorf("patch description: %s", p.Raw)
		}
		p = a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"name": "Renamed"}).want(t, 200)
		if p.Str("description") != "Described" || p.Str("name") != "Renamed" {
			t.Errorf("patch name: %s", p.Raw)
		}
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"name": ""}), 422, "validation_failed")
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, map[string]any{"type": "agency"}), 422, "validation_failed")

		// Budget and usage shapes.
		a.grant(u.AccountID, 10)
		b := a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", u.Token, map[string]any{"minute_budget": 6}).want(t, 200)
		shape(t, "budget answer", b.Body, workspaceShape)
		if b.Get("minute_budget") != 6.0 {
			t.Errorf("budget: %s", b.Raw)
		}
		a.do("PUT", "/api/v1/workspaces/"+client+"/budget", u.Token, map[string]any{"minute_budget": 2}).want(t, 200)
		us := a.do("GET", "/api/v1/workspaces/"+agency+"/usage", u.Token, nil).want(t, 200)
		shape(t, "usage", us.Body, map[string]string{"minute_budget": "number|null", "seconds_used": "number", "remaining_seconds": "number|null", "over_budget": "bool", "clients": "array"})
		if us.Get("minute_budget") != 6.0 || us.Get("remaining_seconds") != 360.0 || us.Get("over_budget") != false || us.Get("seconds_used") != 0.0 {
			t.Errorf("usage: %s", us.Raw)
		}
		cls := us.Body["clients"].([]any)
		if len(cls) != 2 {
			t.Fatalf("usage clients: %s", us.Raw)
		}
		for _, c := range cls {
			shape(t, "usage client", c, map[string]string{"workspace_id": "string", "name": "string", "minute_budget": "number|null", "seconds_used": "number", "over_budget": "bool"})
		}
		us = a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID+"/usage", u.Token, nil).want(t, 200)
		if us.Get("minute_budget") != nil || us.Get("remaining_seconds") != nil || us.Get("clients") == nil || len(us.Body["clients"].([]any)) != 0 {
			t.Errorf("usage without budget: %s", us.Raw)
		}
	})
}

func TestContractBudgetEdges(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Edge")
		a.setPlan(u.AccountID, "pro")
		minutes := func() (bal, alloc, unalloc float64) {
			r := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
			return r.Get("minutes.balance_seconds").(float64), r.Get("minutes.allocated_minutes").(float64), r.Get("minutes.unallocated_seconds").(float64)
		}
		budget := func(ws string, v any) *resp {
			return a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", u.Token, map[string]any{"minute_budget": v})
		}
		// Nothing in the pool: any positive budget is 402, zero is fine.
		problem(t, budget(u.WorkspaceID, 1), 402, "insufficient_minutes")
		if r := budget(u.WorkspaceID, 0).want(t, 200); r.Get("minute_budget") != 0.0 {
			t.Fatalf("budget 0: %s", r.Raw)
		}
		a.grant(u.AccountID, 10)
		// Exactly the unallocated amount.
		budget(u.WorkspaceID, 10).want(t, 200)
		if bal, alloc, unalloc := minutes(); bal != 600 || alloc != 10 || unalloc != 0 {
			t.Fatalf("after allocating everything: %v %v %v", bal, alloc, unalloc)
		}
		second := a.createWorkspace(u.Token, map[string]any{"name": "Second"})
		problem(t, budget(second, 1), 402, "insufficient_minutes")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Third", "minute_budget": 1}), 402, "insufficient_minutes")
		a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Third", "minute_budget": 0}).want(t, 201)
		// Re-setting the same budget is fine; raising beyond the pool is not.
		budget(u.WorkspaceID, 10).want(t, 200)
		problem(t, budget(u.WorkspaceID, 11), 402, "insufficient_minutes")
		// Lowering frees minutes, null frees them all.
		budget(u.WorkspaceID, 4).want(t, 200)
		if _, alloc, unalloc := minutes(); alloc != 4 || unalloc != 360 {
			t.Fatalf("after lowering: %v %v", alloc, unalloc)
		}
		budget(second, 6).want(t, 200)
		if r := budget(u.WorkspaceID, nil).want(t, 200); r.Get("minute_budget") != nil {
			t.Fatalf("null budget: %s", r.Raw)
		}
		if _, alloc, unalloc := minutes(); alloc != 6 || unalloc != 240 {
			t.Fatalf("after removing: %v %v", alloc, unalloc)
		}
		us := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID+"/usage", u.Token, nil).want(t, 200)
		if us.Get("remaining_seconds") != nil || us.Get("minute_budget") != nil {
			t.Fatalf("usage after removing the budget: %s", us.Raw)
		}
		for _, bad := range []any{-1, 1.5, "10", true} {
			problem(t, budget(u.WorkspaceID, bad), 422, "validation_failed")
		}
		problem(t, a.do("PUT", "/api/v1/workspaces/"+u.WorkspaceID+"/budget", u.Token, `{"minute_budget": 1, "extra": 2}`), 422, "validation_failed")
		// Non-owners.
		admin := a.signUp("BAdmin")
		a.join(second, admin, sb.RoleAdmin)
		budget(second, 1).want(t, 200)
		problem(t, a.do("PUT", "/api/v1/workspaces/"+second+"/budget", admin.Token, map[string]any{"minute_budget": 1}), 403, "forbidden")
		problem(t, a.do("PUT", "/api/v1/workspaces/"+u.WorkspaceID+"/budget", admin.Token, map[string]any{"minute_budget": 1}), 404, "not_found")
	})
}

// TestContractAgencyBudgets: client budgets are carved from the agency's budget.
func TestContractAgencyBudgets(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("AgB")
		a.setPlan(u.AccountID, "enterprise")
		a.grant(u.AccountID, 30)
		agency := a.createWorkspace(u.Token, map[string]any{"name": "Agency", "type": "agency", "minute_budget": 20})
		c1 := a.createWorkspace(u.Token, map[string]any{"name": "C1", "parent_id": agency, "minute_budget": 20})
		c2 := a.createWorkspace(u.Token, map[string]any{"name": "C2", "parent_id": agency})
		problem(t, a.do("PUT", "/api/v1/workspaces/"+c2+"/budget", u.Token, map[string]any{"minute_budget": 1}), 402, "insufficient_minutes")
		a.do("PUT", "/api/v1/workspaces/"+c2+"/budget", u.Token, map[string]any{"minute_budget": 0}).want(t, 200)
		// Client budgets are not carved from the account: 30 − 20 left there.
		acc := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.allocated_minutes") != 20.0 || acc.Get("minutes.unallocated_seconds") != 600.0 {
			t.Fatalf("account: %s", acc.Raw)
		}
		problem(t, a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", u.Token, map[string]any{"minute_budget": 19}), 402, "insufficient_minutes")
		a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", u.Token, map[string]any{"minute_budget": 30}).want(t, 200)
		problem(t, a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", u.Token, map[string]any{"minute_budget": 31}), 402, "insufficient_minutes")
		a.do("PUT", "/api/v1/workspaces/"+c1+"/budget", u.Token, map[string]any{"minute_budget": 30}).want(t, 200)
		// An agency admin may create clients but not give them a budget.
		admin := a.signUp("AgAdmin")
		a.join(agency, admin, sb.RoleAdmin)
		a.createWorkspace(admin.Token, map[string]any{"name": "By admin", "parent_id": agency})
		problem(t, a.do("POST", "/api/v1/workspaces", admin.Token, map[string]any{"name": "Budgeted", "parent_id": agency, "minute_budget": 0}), 403, "forbidden")
	})
}

func TestContractPlanLimitsAfterDowngrade(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Down")
		a.setPlan(u.AccountID, "pro")
		w2 := a.createWorkspace(u.Token, map[string]any{"name": "Two"})
		w3 := a.createWorkspace(u.Token, map[string]any{"name": "Three"})
		a.setPlan(u.AccountID, "free")
		// Existing workspaces stay usable; new ones are refused.
		a.do("GET", "/api/v1/workspaces/"+w3, u.Token, nil).want(t, 200)
		a.do("PATCH", "/api/v1/workspaces/"+w3, u.Token, map[string]any{"name": "Still mine"}).want(t, 200)
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Four"}), 403, "plan_limit_reached")
		a.do("DELETE", "/api/v1/workspaces/"+w3, u.Token, nil).want(t, 204)
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Four"}), 403, "plan_limit_reached")
		a.do("DELETE", "/api/v1/workspaces/"+w2, u.Token, nil).want(t, 204)
		// Restoring counts against the limit too.
		problem(t, a.do("POST", "/api/v1/workspaces/"+w3+"/restore", u.Token, nil), 403, "plan_limit_reached")
		a.setPlan(u.AccountID, "starter")
		problem(t, a.do("POST", "/api/v1/workspaces/"+w3+"/restore", u.Token, nil), 403, "plan_limit_reached")
		a.setPlan(u.AccountID, "pro")
		a.do("POST", "/api/v1/workspaces/"+w3+"/restore", u.Token, nil).want(t, 200)
		// Agencies need enterprise; a downgraded enterprise cannot make a new one.
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Ag", "type": "agency"}), 403, "plan_required")
		a.setPlan(u.AccountID, "enterprise")
		agency := a.createWorkspace(u.Token, map[string]any{"name": "Ag", "type": "agency"})
		a.setPlan(u.AccountID, "pro")
		problem(t, a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": "Ag2", "type": "agency"}), 403, "plan_required")
		a.do("GET", "/api/v1/workspaces/"+agency, u.Token, nil).want(t, 200)
	})
}

func TestContractDeleteRestore(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("DR")
		a.setPlan(u.AccountID, "enterprise")
		agency := a.createWorkspace(u.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(u.Token, map[string]any{"name": "Client", "parent_id": agency})
		member := a.signUp("DRMember")
		a.join(client, member, sb.RoleAdmin)
		agencyViewer := a.signUp("DRViewer")
		a.join(agency, agencyViewer, sb.RoleViewer)

		// Not deleted: restore is a state error.
		problem(t, a.do("POST", "/api/v1/workspaces/"+agency+"/restore", u.Token, nil), 409, "invalid_state")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+agency, u.Token, nil), 409, "has_clients")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+agency+"?cascade=false", u.Token, nil), 409, "has_clients")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+agency, member.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+client, member.Token, nil), 403, "forbidden")

		// Deleting the only client first, then the agency needs no cascade.
		a.do("DELETE", "/api/v1/workspaces/"+client, u.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+client, member.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/workspaces/"+client+"/members", member.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+client, u.Token, nil), 404, "not_found")
		if c := a.do("GET", "/api/v1/workspaces/"+agency+"/clients", agencyViewer.Token, nil).want(t, 200); len(c.Items()) != 0 {
			t.Fatalf("deleted client listed: %s", c.Raw)
		}
		for _, w := range a.do("GET", "/api/v1/me", member.Token, nil).want(t, 200).Body["workspaces"].([]any) {
			if w.(map[string]any)["id"] == client {
				t.Fatal("deleted client in /me")
			}
		}
		a.do("POST", "/api/v1/workspaces/"+client+"/restore", u.Token, nil).want(t, 200)
		r := a.do("GET", "/api/v1/workspaces/"+client, member.Token, nil).want(t, 200)
		if r.Str("role") != "admin" {
			t.Fatalf("membership not back after restore: %s", r.Raw)
		}
		// Cascade takes the client along and restore brings it back.
		a.do("DELETE", "/api/v1/workspaces/"+agency+"?cascade=true", u.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+client, member.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/workspaces/"+agency, agencyViewer.Token, nil), 404, "not_found")
		problem(t, a.do("POST", "/api/v1/workspaces/"+agency+"/restore", agencyViewer.Token, nil), 404, "not_found")
		d := a.do("GET", "/api/v1/workspaces/"+agency, u.Token, nil).want(t, 200)
		shape(t, "deleted workspace", d.Body, map[string]string{"deleted_at": "time"})
		rr := a.do("POST", "/api/v1/workspaces/"+agency+"/restore", u.Token, nil).want(t, 200)
		shape(t, "restored workspace", rr.Body, workspaceShape)
		a.do("GET", "/api/v1/workspaces/"+client, member.Token, nil).want(t, 200)
		a.do("GET", "/api/v1/workspaces/"+agency, agencyViewer.Token, nil).want(t, 200)
		// After 30 days, even the owner gets 404.
		a.do("DELETE", "/api/v1/workspaces/"+agency+"?cascade=true", u.Token, nil).want(t, 204)
		a.clock.Advance(30*24*time.Hour + time.Minute)
		a.logIn(&u)
		problem(t, a.do("POST", "/api/v1/workspaces/"+agency+"/restore", u.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/workspaces/"+agency, u.Token, nil), 404, "not_found")
	})
}

func TestContractMembersAndRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("MOwner")
		a.setPlan(owner.AccountID, "enterprise")
		ws := owner.WorkspaceID
		admin, admin2, manager, member, viewer := a.signUp("MAdmin"), a.signUp("MAdmin2"), a.signUp("MManager"), a.signUp("MMember"), a.signUp("MViewer")
		a.join(ws, admin, sb.RoleAdmin)
		a.join(ws, admin2, sb.RoleAdmin)
		a.join(ws, manager, sb.RoleManager)
		a.join(ws, member, sb.RoleMember)
		a.join(ws, viewer, sb.RoleViewer)
		outsider := a.signUp("MOutsider")
		path := func(uid string) string { return "/api/v1/workspaces/" + ws + "/members/" + uid }

		l := a.do("GET", "/api/v1/workspaces/"+ws+"/members", viewer.Token, nil).want(t, 200)
		shape(t, "members", l.Body, listShape)
		if len(l.Items()) != 6 {
			t.Fatalf("members: %s", l.Raw)
		}
		for _, m := range l.Items() {
			shape(t, "member", m, memberShape)
			if m["inherited"] != false {
				t.Errorf("direct member inherited: %v", m)
			}
		}
		if m := memberOf(t, a, owner.Token, ws, owner.ID); m == nil || m["role"] != "owner" {
			t.Fatalf("owner listed as %v", m)
		}

		// Changing roles.
		r := a.do("PATCH", path(member.ID), admin.Token, map[string]any{"role": "manager"}).want(t, 200)
		if r.Str("role") != "manager" {
			t.Errorf("change role answer: %s", r.Raw)
		}
		a.do("PATCH", path(admin2.ID), admin.Token, map[string]any{"role": "viewer"}).want(t, 200)
		a.do("PATCH", path(admin2.ID), admin.Token, map[string]any{"role": "admin"}).want(t, 200)
		problem(t, a.do("PATCH", path(owner.ID), admin.Token, map[string]any{"role": "viewer"}), 403, "owner_immutable")
		problem(t, a.do("PATCH", path(owner.ID), owner.Token, map[string]any{"role": "admin"}), 403, "owner_immutable")
		problem(t, a.do("PATCH", path(member.ID), admin.Token, map[string]any{"role": "owner"}), 422, "validation_failed")
		problem(t, a.do("PATCH", path(member.ID), owner.Token, map[string]any{"role": "owner"}), 422, "validation_failed")
		problem(t, a.do("PATCH", path(member.ID), admin.Token, map[string]any{"role": "superuser"}), 422, "validation_failed")
		problem(t, a.do("PATCH", path(member.ID), admin.Token, map[string]any{}), 422, "validation_failed")
		problem(t, a.do("PATCH", path(member.ID), manager.Token, map[string]any{"role": "viewer"}), 403, "forbidden")
		problem(t, a.do("PATCH", path(manager.ID), manager.Token, map[string]any{"role": "admin"}), 403, "forbidden")
		problem(t, a.do("PATCH", path(member.ID), outsider.Token, map[string]any{"role": "viewer"}), 404, "not_found")
		problem(t, a.do("PATCH", path(outsider.ID), admin.Token, map[string]any{"role": "viewer"}), 404, "not_found")
		problem(t, a.do("PATCH", path("usr_nope"), admin.Token, map[string]any{"role": "viewer"}), 404, "not_found")

		// An admin demotes themself: their admin powers end at once.
		a.do("PATCH", path(admin2.ID), admin2.Token, map[string]any{"role": "viewer"}).want(t, 200)
		if role := meRole(t, a, admin2.Token, ws); role != "viewer" {
			t.Fatalf("role after self-demotion: %q", role)
		}
		problem(t, a.do("PATCH", path(admin2.ID), admin2.Token, map[string]any{"role": "admin"}), 403, "forbidden")

		// Removing and leaving.
		problem(t, a.do("DELETE", path(owner.ID), admin.Token, nil), 403, "owner_immutable")
		problem(t, a.do("DELETE", path(owner.ID), owner.Token, nil), 403, "owner_immutable")
		problem(t, a.do("DELETE", path(member.ID), viewer.Token, nil), 403, "forbidden")
		problem(t, a.do("DELETE", path(member.ID), outsider.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", path(outsider.ID), admin.Token, nil), 404, "not_found")
		a.do("DELETE", path(viewer.ID), viewer.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+ws, viewer.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", path(viewer.ID), viewer.Token, nil), 404, "not_found")
		a.do("DELETE", path(member.ID), admin.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+ws+"/members", member.Token, nil), 404, "not_found")
		if m := memberOf(t, a, owner.Token, ws, member.ID); m != nil {
			t.Fatalf("removed member still listed: %v", m)
		}

		// Ownership transfer.
		tp := "/api/v1/workspaces/" + ws + "/ownership"
		problem(t, a.do("POST", tp, admin.Token, map[string]any{"user_id": admin.ID}), 403, "forbidden")
		problem(t, a.do("POST", tp, outsider.Token, map[string]any{"user_id": outsider.ID}), 404, "not_found")
		problem(t, a.do("POST", tp, owner.Token, map[string]any{"user_id": outsider.ID}), 422, "validation_failed")
		problem(t, a.do("POST", tp, owner.Token, map[string]any{"user_id": owner.ID}), 409, "invalid_state")
		problem(t, a.do("POST", tp, owner.Token, map[string]any{}), 422, "validation_failed")
		tr := a.do("POST", tp, owner.Token, map[string]any{"user_id": manager.ID}).want(t, 200)
		if tr.Str("owner_id") != "" && tr.Str("owner_id") != manager.ID {
			t.Errorf("transfer answer: %s", tr.Raw)
		}
		g := a.do("GET", "/api/v1/workspaces/"+ws, manager.Token, nil).want(t, 200)
		if g.Str("owner_id") != manager.ID || g.Str("role") != "owner" {
			t.Fatalf("after transfer, new owner sees %s", g.Raw)
		}
		g = a.do("GET", "/api/v1/workspaces/"+ws, owner.Token, nil).want(t, 200)
		if g.Str("role") != "admin" {
			t.Fatalf("after transfer, former owner sees %s", g.Raw)
		}
		if role := meRole(t, a, owner.Token, ws); role != "admin" {
			t.Fatalf("former owner's /me role %q", role)
		}
		if m := memberOf(t, a, owner.Token, ws, owner.ID); m == nil || m["role"] != "admin" {
			t.Fatalf("former owner listed as %v", m)
		}
		// The former owner tries owner things.
		problem(t, a.do("POST", tp, owner.Token, map[string]any{"user_id": owner.ID}), 403, "forbidden")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+ws, owner.Token, nil), 403, "forbidden")
		problem(t, a.do("PATCH", path(manager.ID), owner.Token, map[string]any{"role": "viewer"}), 403, "owner_immutable")
		problem(t, a.do("DELETE", path(manager.ID), owner.Token, nil), 403, "owner_immutable")
		problem(t, a.do("DELETE", path(manager.ID), manager.Token, nil), 403, "owner_immutable")
		// ...and admin things still work; the new owner can demote them, and they can leave.
		a.do("PATCH", "/api/v1/workspaces/"+ws, owner.Token, map[string]any{"name": "Handed over"}).want(t, 200)
		a.do("PATCH", path(owner.ID), manager.Token, map[string]any{"role": "member"}).want(t, 200)
		a.do("DELETE", path(owner.ID), owner.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+ws, owner.Token, nil), 404, "not_found")
	})
}

// TestContractInheritedRoles: the effective role in a client is the higher of the
// direct role and the agency role; members from the agency are listed as inherited.
func TestContractInheritedRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("IOwner")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client", "parent_id": agency})
		agAdmin, agViewer, clientOnly := a.signUp("IAgAdmin"), a.signUp("IAgViewer"), a.signUp("IClientOnly")
		a.join(agency, agAdmin, sb.RoleAdmin)
		a.join(agency, agViewer, sb.RoleViewer)
		a.join(client, agViewer, sb.RoleManager)
		a.join(client, clientOnly, sb.RoleMember)

		for _, c := range []struct {
			u    user
			want string
		}{{agAdmin, "admin"}, {agViewer, "manager"}, {clientOnly, "member"}, {owner, "owner"}} {
			if r := a.do("GET", "/api/v1/workspaces/"+client, c.u.Token, nil).want(t, 200); r.Str("role") != c.want {
				t.Errorf("%s: role in client %q, want %q", c.u.Email, r.Str("role"), c.want)
			}
			if got := meRole(t, a, c.u.Token, client); got != c.want {
				t.Errorf("%s: /me role in client %q, want %q", c.u.Email, got, c.want)
			}
			found := false
			for _, w := range a.do("GET", "/api/v1/workspaces", c.u.Token, nil).want(t, 200).Items() {
				if w["id"] == client {
					found = true
					if w["role"] != c.want {
						t.Errorf("%s: listed role in client %v, want %q", c.u.Email, w["role"], c.want)
					}
				}
			}
			if !found {
				t.Errorf("%s: client missing from GET /workspaces", c.u.Email)
			}
		}
		// The clients list carries each caller's effective role too.
		for _, c := range []struct {
			u    user
			want string
		}{{agAdmin, "admin"}, {agViewer, "manager"}, {owner, "owner"}} {
			items := a.do("GET", "/api/v1/workspaces/"+agency+"/clients", c.u.Token, nil).want(t, 200).Items()
			if len(items) != 1 || items[0]["role"] != c.want {
				t.Errorf("%s: clients list %v, want role %q", c.u.Email, items, c.want)
			}
		}
		// A client member has no role in the agency.
		problem(t, a.do("GET", "/api/v1/workspaces/"+agency, clientOnly.Token, nil), 404, "not_found")
		problem(t, a.do("GET", "/api/v1/workspaces/"+agency+"/clients", clientOnly.Token, nil), 404, "not_found")
		// Members of the client.
		if m := memberOf(t, a, clientOnly.Token, client, agAdmin.ID); m == nil || m["inherited"] != true || m["role"] != "admin" {
			t.Errorf("agency admin in client members: %v", m)
		}
		if m := memberOf(t, a, clientOnly.Token, client, clientOnly.ID); m == nil || m["inherited"] != false || m["role"] != "member" {
			t.Errorf("client member in client members: %v", m)
		}
		// The agency admin acts as admin in the client.
		a.do("PATCH", "/api/v1/workspaces/"+client, agAdmin.Token, map[string]any{"description": "By the agency"}).want(t, 200)
		a.do("PATCH", "/api/v1/workspaces/"+client+"/members/"+clientOnly.ID, agAdmin.Token, map[string]any{"role": "viewer"}).want(t, 200)
		problem(t, a.do("PUT", "/api/v1/workspaces/"+client+"/budget", agAdmin.Token, map[string]any{"minute_budget": nil}), 403, "forbidden")
		// Losing the agency role loses the inherited one.
		a.do("DELETE", "/api/v1/workspaces/"+agency+"/members/"+agAdmin.ID, owner.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+client, agAdmin.Token, nil), 404, "not_found")
	})
}

// TestContractRoleMatrix: for each existing endpoint, every role, and a
// non-member, the allowed or refused status of permissions.md.
func TestContractRoleMatrix(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("ROwner")
		a.setPlan(owner.AccountID, "enterprise")
		ws := owner.WorkspaceID
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "RAgency", "type": "agency"})
		users := map[sb.Role]user{sb.RoleOwner: owner}
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp("R" + string(r))
			a.join(ws, u, r)
			a.join(agency, u, r)
			users[r] = u
		}
		outsider := a.signUp("ROutsider")
		victim := a.signUp("RVictim")
		a.join(ws, victim, sb.RoleViewer)

		type probe struct {
			method, path string
			body         any
			min          sb.Role
			okStatus     int
		}
		base := "/api/v1/workspaces/" + ws
		probes := []probe{
			{"GET", base, nil, sb.RoleViewer, 200},
			{"GET", base + "/members", nil, sb.RoleViewer, 200},
			{"GET", base + "/clients", nil, sb.RoleViewer, 200},
			{"GET", "/api/v1/workspaces/" + agency + "/clients", nil, sb.RoleViewer, 200},
			{"PATCH", base, map[string]any{"description": "x"}, sb.RoleAdmin, 200},
			{"PATCH", base + "/members/" + victim.ID, map[string]any{"role": "viewer"}, sb.RoleAdmin, 200},
			{"GET", base + "/api-keys", nil, sb.RoleAdmin, 200},
			{"POST", base + "/api-keys", map[string]any{"name": "k", "role": "viewer"}, sb.RoleAdmin, 201},
			{"GET", base + "/audit-log", nil, sb.RoleAdmin, 200},
			{"POST", "/api/v1/workspaces", map[string]any{"name": "Client", "parent_id": agency}, sb.RoleAdmin, 201},
			{"PUT", base + "/budget", map[string]any{"minute_budget": nil}, sb.RoleOwner, 200},
			{"GET", base + "/usage", nil, sb.RoleOwner, 200},
			{"POST", base + "/restore", nil, sb.RoleOwner, 409},
			{"POST", base + "/ownership", map[string]any{"user_id": owner.ID}, sb.RoleOwner, 409},
		}
		for _, p := range probes {
			for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin, sb.RoleOwner} {
				got := a.do(p.method, p.path, users[r].Token, p.body)
				if r.Rank() >= p.min.Rank() {
					if got.Status != p.okStatus {
						t.Errorf("%s %s as %s: %d, want %d: %s", p.method, p.path, r, got.Status, p.okStatus, got.Raw)
					}
				} else if got.Status != 403 || got.Str("code") != "forbidden" {
					t.Errorf("%s %s as %s: %d %s, want 403 forbidden", p.method, p.path, r, got.Status, got.Raw)
				}
			}
			if p.path == "/api/v1/workspaces" {
				continue
			}
			got := a.do(p.method, p.path, outsider.Token, p.body)
			if got.Status != 404 || got.Str("code") != "not_found" {
				t.Errorf("%s %s as outsider: %d %s, want 404 not_found", p.method, p.path, got.Status, got.Raw)
			}
			// An unknown workspace answers the same as one the caller has no role in.
			unknown := strings.Replace(p.path, ws, "ws_unknown", 1)
			unknown = strings.Replace(unknown, agency, "ws_unknown", 1)
			got = a.do(p.method, unknown, owner.Token, p.body)
			if got.Status != 404 || got.Str("code") != "not_found" {
				t.Errorf("%s %s: %d %s, want 404 not_found", p.method, unknown, got.Status, got.Raw)
			}
			got = a.do(p.method, p.path, "", p.body)
			if got.Status != 401 {
				t.Errorf("%s %s without a token: %d, want 401", p.method, p.path, got.Status)
			}
		}
		problem(t, a.do("POST", "/api/v1/workspaces", outsider.Token, map[string]any{"name": "Client", "parent_id": agency}), 404, "not_found")
		// DELETE last: owner only.
		for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			problem(t, a.do("DELETE", base, users[r].Token, nil), 403, "forbidden")
		}
		problem(t, a.do("DELETE", base, outsider.Token, nil), 404, "not_found")
		a.do("DELETE", base, owner.Token, nil).want(t, 204)
	})
}

func TestContractAPIKeys(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("KOwner")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/api-keys"
		c := a.do("POST", base, owner.Token, map[string]any{"name": "Voice engine", "role": "admin"}).want(t, 201)
		shape(t, "api key", c.Body, map[string]string{"id": "string", "name": "string", "role": "string", "key": "string", "created_at": "time"})
		if c.Str("key") == "" || c.Str("role") != "admin" || c.Str("name") != "Voice engine" {
			t.Fatalf("created key: %s", c.Raw)
		}
		key := c.Str("key")
		l := a.do("GET", base, owner.Token, nil).want(t, 200)
		shape(t, "api key list", l.Body, listShape)
		if len(l.Items()) != 1 {
			t.Fatalf("keys: %s", l.Raw)
		}
		for _, k := range l.Items() {
			shape(t, "listed key", k, map[string]string{"id": "string", "name": "string", "role": "string", "created_at": "time"})
			if _, ok := k["key"]; ok {
				t.Fatalf("listed key shows its secret: %v", k)
			}
		}
		if strings.Contains(string(l.Raw), key) {
			t.Fatal("list shows the secret")
		}
		problem(t, a.do("POST", base, owner.Token, map[string]any{"name": "Owner key", "role": "owner"}), 422, "validation_failed")
		problem(t, a.do("POST", base, owner.Token, map[string]any{"name": "No role"}), 422, "validation_failed")
		problem(t, a.do("POST", base, owner.Token, map[string]any{"name": "", "role": "viewer"}), 422, "validation_failed")

		// The key acts with its role in its workspace only.
		r := a.do("GET", "/api/v1/workspaces/"+ws, key, nil).want(t, 200)
		if r.Str("role") != "admin" {
			t.Errorf("key's role: %s", r.Raw)
		}
		a.do("GET", "/api/v1/workspaces/"+ws+"/audit-log", key, nil).want(t, 200)
		problem(t, a.do("GET", "/api/v1/workspaces/"+ws+"/usage", key, nil), 403, "forbidden")
		other := a.signUp("KOther")
		problem(t, a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID, key, nil), 404, "not_found")
		vk := a.do("POST", base, owner.Token, map[string]any{"name": "Viewer", "role": "viewer"}).want(t, 201).Str("key")
		problem(t, a.do("PATCH", "/api/v1/workspaces/"+ws, vk, map[string]any{"name": "x"}), 403, "forbidden")
		problem(t, a.do("POST", base, vk, map[string]any{"name": "Escalate", "role": "admin"}), 403, "forbidden")

		// Revoke: 204, then the key stops working and a second revoke is 404.
		a.do("DELETE", base+"/"+c.Str("id"), owner.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+ws, key, nil), 401, "unauthorized")
		problem(t, a.do("DELETE", base+"/"+c.Str("id"), owner.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", base+"/key_nope", owner.Token, nil), 404, "not_found")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+other.WorkspaceID+"/api-keys/"+c.Str("id"), other.Token, nil), 404, "not_found")
	})
}

// TestContractAuditLogShapeAndPaging: 60 changes, walked with the default page
// (50), limit=200 and limit=7; bad limits are 422.
func TestContractAuditLogShapeAndPaging(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Aud")
		ws := u.WorkspaceID
		for i := 0; i < 60; i++ {
			a.do("PATCH", "/api/v1/workspaces/"+ws, u.Token, map[string]any{"description": fmt.Sprintf("v%d", i)}).want(t, 200)
		}
		base := "/api/v1/workspaces/" + ws + "/audit-log"
		all := a.do("GET", base+"?limit=200", u.Token, nil).want(t, 200)
		shape(t, "audit log", all.Body, listShape)
		total := len(all.Items())
		if total < 60 || all.Str("next_cursor") != "" {
			t.Fatalf("audit log has %d entries, next_cursor %q", total, all.Str("next_cursor"))
		}
		for _, e := range all.Items() {
			shape(t, "audit entry", e, map[string]string{"id": "string", "at": "time", "actor": "object", "action": "string", "target": "string", "details": "object|null"})
			shape(t, "audit actor", e["actor"], map[string]string{"type": "string", "id": "string", "email": "string"})
		}
		first := a.do("GET", base, u.Token, nil).want(t, 200)
		if len(first.Items()) != 50 || first.Str("next_cursor") == "" {
			t.Fatalf("default page: %d items, next_cursor %q", len(first.Items()), first.Str("next_cursor"))
		}
		second := a.do("GET", base+"?cursor="+first.Str("next_cursor"), u.Token, nil).want(t, 200)
		if len(second.Items()) != total-50 || second.Str("next_cursor") != "" {
			t.Fatalf("second page: %d items, next_cursor %q", len(second.Items()), second.Str("next_cursor"))
		}
		seen := map[any]bool{}
		cursor, pages := "", 0
		for {
			p := a.do("GET", base+"?limit=7&cursor="+cursor, u.Token, nil).want(t, 200)
			for _, e := range p.Items() {
				if seen[e["id"]] {
					t.Fatalf("entry %v twice", e["id"])
				}
				seen[e["id"]] = true
			}
			pages++
			if cursor = p.Str("next_cursor"); cursor == "" {
				break
			}
			if pages > 20 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != total {
			t.Fatalf("paging saw %d of %d", len(seen), total)
		}
		for _, bad := range []string{"0", "201", "-1", "abc", "1.5"} {
			problem(t, a.do("GET", base+"?limit="+bad, u.Token, nil), 422, "validation_failed")
		}
		a.do("GET", base+"?limit=1", u.Token, nil).want(t, 200)

		// limit=200 is the most a page holds.
		for i := 0; i < 150; i++ {
			a.do("PATCH", "/api/v1/workspaces/"+ws, u.Token, map[string]any{"description": fmt.Sprintf("w%d", i)}).want(t, 200)
		}
		big := a.do("GET", base+"?limit=200", u.Token, nil).want(t, 200)
		if len(big.Items()) != 200 || big.Str("next_cursor") == "" {
			t.Fatalf("limit=200 over %d entries: %d items, next_cursor %q", total+150, len(big.Items()), big.Str("next_cursor"))
		}
	})
}

// TestContractListLimits: every list endpoint answers {items, next_cursor} and
// refuses limits outside 1–200.
func TestContractListLimits(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Lists")
		a.setPlan(u.AccountID, "enterprise")
		agency := a.createWorkspace(u.Token, map[string]any{"name": "LAgency", "type": "agency"})
		for i := 0; i < 3; i++ {
			a.createWorkspace(u.Token, map[string]any{"name": fmt.Sprintf("C%d", i), "parent_id": agency})
			a.do("POST", "/api/v1/workspaces/"+agency+"/api-keys", u.Token, map[string]any{"name": fmt.Sprintf("k%d", i), "role": "viewer"}).want(t, 201)
			a.join(agency, a.signUp(fmt.Sprintf("LM%d", i)), sb.RoleMember)
		}
		for _, path := range []string{
			"/api/v1/workspaces",
			"/api/v1/workspaces/" + agency + "/clients",
			"/api/v1/workspaces/" + agency + "/members",
			"/api/v1/workspaces/" + agency + "/api-keys",
			"/api/v1/workspaces/" + agency + "/audit-log",
		} {
			all := a.do("GET", path, u.Token, nil).want(t, 200)
			shape(t, path, all.Body, listShape)
			n := len(all.Items())
			if n < 3 || all.Str("next_cursor") != "" {
				t.Errorf("%s: %d items, next_cursor %q", path, n, all.Str("next_cursor"))
				continue
			}
			seen := map[string]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				p := a.do("GET", path+"?limit=2&cursor="+cursor, u.Token, nil).want(t, 200)
				if len(p.Items()) > 2 {
					t.Fatalf("%s: limit=2 gave %d", path, len(p.Items()))
				}
				for _, it := range p.Items() {
					id, _ := it["id"].(string)
					if id == "" {
						id, _ = it["user_id"].(string)
					}
					if seen[id] {
						t.Fatalf("%s: %s twice", path, id)
					}
					seen[id] = true
				}
				if cursor = p.Str("next_cursor"); cursor == "" {
					break
				}
				if pages > n {
					t.Fatalf("%s: paging does not end", path)
				}
			}
			if len(seen) != n {
				t.Errorf("%s: paging saw %d of %d", path, len(seen), n)
			}
			for _, bad := range []string{"0", "201", "x"} {
				problem(t, a.do("GET", path+"?limit="+bad, u.Token, nil), 422, "validation_failed")
			}
			a.do("GET", path+"?limit=200", u.Token, nil).want(t, 200)
			// A page that ends exactly at the end has no next page.
			exact := a.do("GET", fmt.Sprintf("%s?limit=%d", path, n), u.Token, nil).want(t, 200)
			if len(exact.Items()) != n || exact.Str("next_cursor") != "" {
				t.Errorf("%s?limit=%d: %d items, next_cursor %q", path, n, len(exact.Items()), exact.Str("next_cursor"))
			}
			short := a.do("GET", fmt.Sprintf("%s?limit=%d", path, n-1), u.Token, nil).want(t, 200)
			if len(short.Items()) != n-1 || short.Str("next_cursor") == "" {
				t.Errorf("%s?limit=%d: %d items, next_cursor %q", path, n-1, len(short.Items()), short.Str("next_cursor"))
			} else if last := a.do("GET", fmt.Sprintf("%s?limit=%d&cursor=%s", path, n-1, short.Str("next_cursor")), u.Token, nil).want(t, 200); len(last.Items()) != 1 || last.Str("next_cursor") != "" {
				t.Errorf("%s last page: %s", path, last.Raw)
			}
		}
	})
}

// TestContractEdgeCases: what a careful agency owner or a strict client tries next.
func TestContractEdgeCases(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		// Password lengths count characters, not bytes.
		for _, c := range []struct {
			n      int
			status int
		}{{7, 422}, {8, 201}, {256, 201}, {257, 422}} {
			e := fmt.Sprintf("mb%d@example.com", userSeq.Add(1))
			a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": e, "password": strings.Repeat("é", c.n), "name": "MB"}).want(t, c.status)
		}

		owner := a.signUp("EOwner")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client", "parent_id": agency})
		agManager, both := a.signUp("EAgManager"), a.signUp("EBoth")
		a.join(agency, agManager, sb.RoleManager)
		a.join(agency, both, sb.RoleAdmin)
		a.join(client, both, sb.RoleViewer)

		// Inherited members are changed in the agency, not in the client.
		cm := "/api/v1/workspaces/" + client + "/members/"
		problem(t, a.do("PATCH", cm+agManager.ID, owner.Token, map[string]any{"role": "viewer"}), 409, "invalid_state")
		problem(t, a.do("DELETE", cm+agManager.ID, owner.Token, nil), 409, "invalid_state")
		problem(t, a.do("DELETE", cm+agManager.ID, agManager.Token, nil), 409, "invalid_state")
		problem(t, a.do("POST", "/api/v1/workspaces/"+client+"/ownership", owner.Token, map[string]any{"user_id": agManager.ID}), 422, "validation_failed")
		// Each person is listed once, with the effective role.
		seen := map[any]bool{}
		for _, m := range a.do("GET", "/api/v1/workspaces/"+client+"/members", owner.Token, nil).want(t, 200).Items() {
			if seen[m["user_id"]] {
				t.Fatalf("member %v listed twice", m["user_id"])
			}
			seen[m["user_id"]] = true
			if m["user_id"] == both.ID && m["role"] != "admin" {
				t.Errorf("agency admin with a direct viewer role listed as %v", m["role"])
			}
		}
		if len(seen) != 3 {
			t.Errorf("client lists %d members, want 3", len(seen))
		}

		// A deleted workspace is 404 to its owner too, except GET and restore.
		a.do("DELETE", "/api/v1/workspaces/"+client, owner.Token, nil).want(t, 204)
		for _, p := range []struct {
			method, path string
			body         any
		}{
			{"PATCH", "", map[string]any{"name": "x"}},
			{"DELETE", "", nil},
			{"GET", "/members", nil},
			{"PATCH", "/members/" + both.ID, map[string]any{"role": "member"}},
			{"DELETE", "/members/" + both.ID, nil},
			{"POST", "/ownership", map[string]any{"user_id": both.ID}},
			{"GET", "/clients", nil},
			{"PUT", "/budget", map[string]any{"minute_budget": nil}},
			{"GET", "/usage", nil},
			{"GET", "/api-keys", nil},
			{"POST", "/api-keys", map[string]any{"name": "k", "role": "viewer"}},
			{"GET", "/audit-log", nil},
		} {
			problem(t, a.do(p.method, "/api/v1/workspaces/"+client+p.path, owner.Token, p.body), 404, "not_found")
		}
		a.do("POST", "/api/v1/workspaces/"+client+"/restore", owner.Token, nil).want(t, 200)

		// Free plan: delete the only workspace, make a new one, the old cannot come back.
		f := a.signUp("EFree")
		a.do("DELETE", "/api/v1/workspaces/"+f.WorkspaceID, f.Token, nil).want(t, 204)
		a.createWorkspace(f.Token, map[string]any{"name": "Fresh"})
		problem(t, a.do("POST", "/api/v1/workspaces/"+f.WorkspaceID+"/restore", f.Token, nil), 403, "plan_limit_reached")
		problem(t, a.do("DELETE", "/api/v1/workspaces/"+agency+"?cascade=yes", owner.Token, nil), 422, "validation_failed")

		// Removing a member, or leaving, revokes the API keys they made there.
		admin := a.signUp("EAdmin")
		a.join(owner.WorkspaceID, admin, sb.RoleAdmin)
		key := a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/api-keys", admin.Token, map[string]any{"name": "mine", "role": "admin"}).want(t, 201).Str("key")
		a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID, key, nil).want(t, 200)
		a.do("DELETE", "/api/v1/workspaces/"+owner.WorkspaceID+"/members/"+admin.ID, admin.Token, nil).want(t, 204)
		problem(t, a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID, key, nil), 401, "unauthorized")

		// An API key is no account owner.
		ok := a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/api-keys", owner.Token, map[string]any{"name": "owner's", "role": "admin"}).want(t, 201).Str("key")
		problem(t, a.do("POST", "/api/v1/workspaces", ok, map[string]any{"name": "By key"}), 403, "forbidden")
		problem(t, a.do("GET", "/api/v1/accounts/"+owner.AccountID, ok, nil), 404, "not_found")
		problem(t, a.do("PUT", "/api/v1/workspaces/"+owner.WorkspaceID+"/budget", ok, map[string]any{"minute_budget": nil}), 403, "forbidden")
		problem(t, a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/api-keys", ok, map[string]any{"name": "owner key", "role": "owner"}), 422, "validation_failed")
	})
}

// TestContractKeyCreatedClientRole: an agency admin API key may create a client
// (admin+ of the agency); the answer is a workspace whose role is the caller's role.
func TestContractKeyCreatedClientRole(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("KC")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		key := a.do("POST", "/api/v1/workspaces/"+agency+"/api-keys", owner.Token, map[string]any{"name": "k", "role": "admin"}).want(t, 201).Str("key")
		// Keys act only in their own workspace: creating one is refused, and nothing is made.
		a.do("POST", "/api/v1/workspaces", key, map[string]any{"name": "By key", "parent_id": agency}).want(t, 403, "forbidden")
		if n := len(a.do("GET", "/api/v1/workspaces/"+agency+"/clients", owner.Token, nil).Items()); n != 0 {
			t.Fatalf("a refused creation left %d clients", n)
		}
	})
}

// TestContractBudgetFollowsWorkspaceOwner: permissions.md gives minute budgets to the
// workspace's owner. After a transfer the new owner sets the budget (carved from the
// account's pool as before) and the former owner, now admin, may not.
func TestContractBudgetFollowsWorkspaceOwner(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("BO")
		a.setPlan(o.AccountID, "pro")
		a.grant(o.AccountID, 5)
		ws := a.createWorkspace(o.Token, map[string]any{"name": "W"})
		n := a.signUp("BN")
		a.join(ws, n, sb.RoleAdmin)
		a.do("POST", "/api/v1/workspaces/"+ws+"/ownership", o.Token, map[string]any{"user_id": n.ID}).want(t, 200)
		problem(t, a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", o.Token, map[string]any{"minute_budget": 5}), 403, "forbidden")
		a.do("PUT", "/api/v1/workspaces/"+ws+"/budget", n.Token, map[string]any{"minute_budget": 5}).want(t, 200)
		// The pool itself stays the account owner's: only they read the account.
		a.do("GET", "/api/v1/accounts/"+o.AccountID, n.Token, nil).want(t, 404, "not_found")
		acc := a.do("GET", "/api/v1/accounts/"+o.AccountID, o.Token, nil).want(t, 200)
		if acc.Get("minutes.unallocated_seconds").(float64) != 0 {
			t.Fatalf("budget not carved from the pool: %s", acc.Raw)
		}
	})
}

// TestContractOpenAPICoversEndpoints: the OpenAPI document names every endpoint of
// api.md that exists in the foundation, with its method.
func TestContractOpenAPICoversEndpoints(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		paths, _ := a.do("GET", "/api/v1/openapi.json", "", nil).want(t, 200).Body["paths"].(map[string]any)
		for _, e := range []string{
			"post /api/v1/auth/signup", "post /api/v1/auth/login", "post /api/v1/auth/logout", "get /api/v1/me",
			"get /api/v1/accounts/{account_id}", "put /api/v1/operator/accounts/{account_id}/plan", "post /api/v1/operator/accounts/{account_id}/minutes",
			"post /api/v1/workspaces", "get /api/v1/workspaces", "get /api/v1/workspaces/{ws}", "patch /api/v1/workspaces/{ws}",
			"delete /api/v1/workspaces/{ws}", "post /api/v1/workspaces/{ws}/restore", "get /api/v1/workspaces/{ws}/clients",
			"put /api/v1/workspaces/{ws}/budget", "get /api/v1/workspaces/{ws}/usage",
			"get /api/v1/workspaces/{ws}/members", "patch /api/v1/workspaces/{ws}/members/{user_id}",
			"delete /api/v1/workspaces/{ws}/members/{user_id}", "post /api/v1/workspaces/{ws}/ownership",
			"post /api/v1/workspaces/{ws}/api-keys", "get /api/v1/workspaces/{ws}/api-keys", "delete /api/v1/workspaces/{ws}/api-keys/{id}",
			"get /api/v1/workspaces/{ws}/audit-log", "get /healthz", "get /readyz",
		} {
			method, path, _ := strings.Cut(e, " ")
			ops, _ := paths[path].(map[string]any)
			if _, ok := ops[method]; !ok {
				t.Errorf("OpenAPI lacks %s", e)
			}
		}
	})
}

// TestContractSessionsExpire: sessions last 30 days (api-notes.md).
func TestContractSessionsExpire(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Exp")
		a.clock.Advance(29 * 24 * time.Hour)
		a.do("GET", "/api/v1/me", u.Token, nil).want(t, 200)
		a.clock.Advance(24*time.Hour + time.Minute)
		problem(t, a.do("GET", "/api/v1/me", u.Token, nil), 401, "unauthorized")
		a.logIn(&u)
		a.do("GET", "/api/v1/me", u.Token, nil).want(t, 200)
	})
}

// parallel runs n copies of fn at once and returns their statuses.
func parallel(n int, fn func(i int) *resp) []int {
	out := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i] = fn(i).Status
		}(i)
	}
	close(start)
	wg.Wait()
	return out
}

func count(statuses []int, s int) int {
	n := 0
	for _, x := range statuses {
		if x == s {
			n++
		}
	}
	return n
}

// TestContractConcurrentLimits: racing requests never both win, and none fails
// with a 500: sign-ups with one email in different cases, budgets on one pool,
// workspaces at the plan limit, ownership transfers.
func TestContractConcurrentLimits(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		// a.do stops the test only on a transport error or an error without a
		// problem document, each a failure in itself.
		email := fmt.Sprintf("race%d@example.com", userSeq.Add(1))
		got := parallel(4, func(i int) *resp {
			e := email
			if i%2 == 1 {
				e = strings.ToUpper(email)
			}
			return a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": e, "password": "12345678", "name": "Race"})
		})
		if count(got, 201) != 1 || count(got, 409) != 3 {
			t.Errorf("concurrent sign-ups: %v, want one 201 and 409s", got)
		}

		u := a.signUp("RaceOwner")
		a.setPlan(u.AccountID, "pro")
		a.grant(u.AccountID, 10)
		ws := []string{u.WorkspaceID}
		for i := 0; i < 3; i++ {
			ws = append(ws, a.createWorkspace(u.Token, map[string]any{"name": fmt.Sprintf("R%d", i)}))
		}
		got = parallel(4, func(i int) *resp {
			return a.do("PUT", "/api/v1/workspaces/"+ws[i]+"/budget", u.Token, map[string]any{"minute_budget": 10})
		})
		if count(got, 200) != 1 || count(got, 402) != 3 {
			t.Errorf("concurrent budgets on one pool: %v, want one 200 and 402s", got)
		}
		acc := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.allocated_minutes") != 10.0 || acc.Get("minutes.unallocated_seconds") != 0.0 {
			t.Errorf("after the race: %s", acc.Raw)
		}

		// Pro allows 10 workspaces: 4 exist, 8 racing creates leave exactly 10.
		got = parallel(8, func(i int) *resp {
			return a.do("POST", "/api/v1/workspaces", u.Token, map[string]any{"name": fmt.Sprintf("Racer %d", i)})
		})
		if count(got, 201) != 6 || count(got, 403) != 2 {
			t.Errorf("concurrent creates at the limit: %v, want six 201 and two 403", got)
		}

		// Two transfers at once: one new owner.
		x, y := a.signUp("RX"), a.signUp("RY")
		a.join(ws[1], x, sb.RoleAdmin)
		a.join(ws[1], y, sb.RoleAdmin)
		targets := []user{x, y}
		got = parallel(2, func(i int) *resp {
			return a.do("POST", "/api/v1/workspaces/"+ws[1]+"/ownership", u.Token, map[string]any{"user_id": targets[i].ID})
		})
		if count(got, 200) != 1 || count(got, 403) != 1 {
			t.Errorf("concurrent transfers: %v, want one 200 and one 403", got)
		}
		owners := 0
		for _, m := range a.do("GET", "/api/v1/workspaces/"+ws[1]+"/members", x.Token, nil).want(t, 200).Items() {
			if m["role"] == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("%d owners after concurrent transfers", owners)
		}
	})
}

// TestContractRestoreKeepsBudgetsCovered: deleting a budgeted workspace frees its
// minutes; if they went elsewhere, restoring it must not bring back a budget that its
// source cannot cover (product.md: such a budget is refused, 402).
func TestContractRestoreKeepsBudgetsCovered(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("RB")
		a.setPlan(u.AccountID, "enterprise")
		a.grant(u.AccountID, 10)
		w2 := a.createWorkspace(u.Token, map[string]any{"name": "W2", "minute_budget": 10})
		a.do("DELETE", "/api/v1/workspaces/"+w2, u.Token, nil).want(t, 204)
		w3 := a.createWorkspace(u.Token, map[string]any{"name": "W3", "minute_budget": 10})
		problem(t, a.do("POST", "/api/v1/workspaces/"+w2+"/restore", u.Token, nil), 402, "insufficient_minutes")
		acc := a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.allocated_minutes") != 10.0 || acc.Get("minutes.unallocated_seconds") != 0.0 {
			t.Fatalf("after a refused restore: %s", acc.Raw)
		}
		if r := a.do("GET", "/api/v1/workspaces/"+w2, u.Token, nil).want(t, 200); r.Get("deleted_at") == nil {
			t.Fatalf("restore refused yet the workspace is back: %s", r.Raw)
		}
		a.do("PUT", "/api/v1/workspaces/"+w3+"/budget", u.Token, map[string]any{"minute_budget": 0}).want(t, 200)
		a.do("POST", "/api/v1/workspaces/"+w2+"/restore", u.Token, nil).want(t, 200)
		acc = a.do("GET", "/api/v1/accounts/"+u.AccountID, u.Token, nil).want(t, 200)
		if acc.Get("minutes.allocated_minutes") != 10.0 || acc.Get("minutes.unallocated_seconds") != 0.0 {
			t.Fatalf("after the restore: %s", acc.Raw)
		}

		// A client whose agency budget went to another client.
		agency := a.createWorkspace(u.Token, map[string]any{"name": "Agency", "type": "agency"})
		a.do("PUT", "/api/v1/workspaces/"+w2+"/budget", u.Token, map[string]any{"minute_budget": nil}).want(t, 200)
		a.do("PUT", "/api/v1/workspaces/"+agency+"/budget", u.Token, map[string]any{"minute_budget": 10}).want(t, 200)
		c1 := a.createWorkspace(u.Token, map[string]any{"name": "C1", "parent_id": agency, "minute_budget": 10})
		a.do("DELETE", "/api/v1/workspaces/"+c1, u.Token, nil).want(t, 204)
		a.createWorkspace(u.Token, map[string]any{"name": "C2", "parent_id": agency, "minute_budget": 10})
		problem(t, a.do("POST", "/api/v1/workspaces/"+c1+"/restore", u.Token, nil), 402, "insufficient_minutes")
	})
}

// TestContractNoServerErrorsOnOddText: NUL and invalid UTF-8 in paths, queries and
// bodies get a 4xx problem document on both stores, never a 500.
func TestContractNoServerErrorsOnOddText(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("Odd")
		ws := "/api/v1/workspaces/" + u.WorkspaceID
		for _, p := range []string{
			"/api/v1/workspaces/a%00b", "/api/v1/workspaces/a%FFb", "/api/v1/accounts/a%00b",
			ws + "/members/a%00b", ws + "/api-keys/a%00b",
		} {
			method := "GET"
			if strings.Contains(p, "/members/") || strings.Contains(p, "/api-keys/") {
				method = "DELETE"
			}
			problem(t, a.do(method, p, u.Token, nil), 404, "not_found")
			problem(t, a.do(method, p, "", nil), 401, "unauthorized")
		}
		problem(t, a.do("GET", ws+"/audit-log?cursor=a%00b", u.Token, nil), 422, "validation_failed")
		problem(t, a.do("GET", ws+"/audit-log?action=a%FFb", u.Token, nil), 422, "validation_failed")
		problem(t, a.do("GET", "/api/v1/workspaces?cursor=%00", u.Token, nil), 422, "validation_failed")
		for _, c := range []struct{ method, path, body string }{
			{"PATCH", ws, `{"name": "a\u0000b"}`},
			{"POST", "/api/v1/auth/login", `{"email": "a\u0000b@example.com", "password": "12345678"}`},
			{"POST", "/api/v1/auth/signup", `{"email": "nul@example.com", "password": "12345678", "name": "\u0000"}`},
			{"POST", ws + "/ownership", `{"user_id": "a\u0000b"}`},
			{"POST", "/api/v1/workspaces", `{"name": "x", "parent_id": "a\u0000b"}`},
			{"POST", ws + "/api-keys", `{"name": "k\u0000", "role": "viewer"}`},
		} {
			problem(t, a.do(c.method, c.path, u.Token, c.body), 422, "validation_failed")
		}
		// An escaped backslash before "u0000" is ordinary text.
		if r := a.do("PATCH", ws, u.Token, `{"name": "a\\u0000b"}`).want(t, 200); r.Str("name") != `a\u0000b` {
			t.Fatalf("name: %s", r.Raw)
		}
		problem(t, a.do("GET", "/api/v1/me", "sbs_\xff\xfe", nil), 401, "unauthorized")
		problem(t, a.do("GET", ws, "sbk_\xff\xfe", nil), 401, "unauthorized")
		problem(t, a.do("POST", "/api/v1/auth/login", "", "{\"email\": \"a\xffb@example.com\", \"password\": \"12345678\"}"), 401, "invalid_credentials")
	})
}

// TestContractAnswerShapes: the answers of PATCH member, ownership and a client
// made by an agency admin (owned by the account owner, api-notes.md).
func TestContractAnswerShapes(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("AS")
		a.setPlan(o.AccountID, "enterprise")
		ag := a.createWorkspace(o.Token, map[string]any{"name": "Ag", "type": "agency"})
		adm := a.signUp("ASAdmin")
		a.join(ag, adm, sb.RoleAdmin)
		c := a.do("POST", "/api/v1/workspaces", adm.Token, map[string]any{"name": "C", "parent_id": ag}).want(t, 201)
		shape(t, "client by agency admin", c.Body, workspaceShape)
		if c.Str("owner_id") != o.ID || c.Str("account_id") != o.AccountID || c.Str("role") != "admin" {
			t.Errorf("client made by an agency admin: %s", c.Raw)
		}
		problem(t, a.do("POST", "/api/v1/workspaces", adm.Token, map[string]any{"name": "C", "parent_id": ag, "account_id": adm.AccountID}), 422, "validation_failed")
		m := a.do("PATCH", "/api/v1/workspaces/"+ag+"/members/"+adm.ID, o.Token, map[string]any{"role": "manager"}).want(t, 200)
		shape(t, "changed member", m.Body, memberShape)
		if m.Str("role") != "manager" || m.Str("user_id") != adm.ID {
			t.Errorf("changed member: %s", m.Raw)
		}
		a.do("PATCH", "/api/v1/workspaces/"+ag+"/members/"+adm.ID, o.Token, map[string]any{"role": "manager"}).want(t, 200)
		tr := a.do("POST", "/api/v1/workspaces/"+ag+"/ownership", o.Token, map[string]any{"user_id": adm.ID}).want(t, 200)
		shape(t, "transferred workspace", tr.Body, workspaceShape)
		if tr.Str("owner_id") != adm.ID || tr.Str("role") != "admin" {
			t.Errorf("transfer answer (the caller's role is now admin): %s", tr.Raw)
		}
		if ct := a.do("GET", "/api/v1/me", o.Token, nil).Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// TestContractConcurrentInvariants: racing a transfer against the target leaving,
// and an agency's deletion against a new client, never breaks an invariant: one
// owner who is a member; no live client under a deleted agency.
func TestContractConcurrentInvariants(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		o := a.signUp("CI")
		a.setPlan(o.AccountID, "enterprise")
		for round := 0; round < 4; round++ {
			ws := a.createWorkspace(o.Token, map[string]any{"name": fmt.Sprintf("T%d", round)})
			x := a.signUp("CIX")
			a.join(ws, x, sb.RoleAdmin)
			got := parallel(2, func(i int) *resp {
				if i == 0 {
					return a.do("POST", "/api/v1/workspaces/"+ws+"/ownership", o.Token, map[string]any{"user_id": x.ID})
				}
				return a.do("DELETE", "/api/v1/workspaces/"+ws+"/members/"+x.ID, x.Token, nil)
			})
			transferred, left := got[0] == 200, got[1] == 204
			if transferred == left {
				t.Fatalf("round %d: transfer %d, leave %d: exactly one should win", round, got[0], got[1])
			}
			viewer := o
			if transferred {
				viewer = x
			}
			w := a.do("GET", "/api/v1/workspaces/"+ws, viewer.Token, nil).want(t, 200)
			owners := 0
			for _, m := range a.do("GET", "/api/v1/workspaces/"+ws+"/members", viewer.Token, nil).want(t, 200).Items() {
				if m["role"] == "owner" {
					owners++
					if m["user_id"] != w.Str("owner_id") {
						t.Fatalf("round %d: owner listed %v, workspace owner_id %s", round, m["user_id"], w.Str("owner_id"))
					}
				}
			}
			if owners != 1 {
				t.Fatalf("round %d: %d owners", round, owners)
			}

			agency := a.createWorkspace(o.Token, map[string]any{"name": fmt.Sprintf("A%d", round), "type": "agency"})
			got = parallel(2, func(i int) *resp {
				if i == 0 {
					return a.do("DELETE", "/api/v1/workspaces/"+agency, o.Token, nil)
				}
				return a.do("POST", "/api/v1/workspaces", o.Token, map[string]any{"name": "Late client", "parent_id": agency})
			})
			deleted, created := got[0] == 204, got[1] == 201
			if deleted == created {
				t.Fatalf("round %d: delete %d, create client %d: exactly one should win", round, got[0], got[1])
			}
			if deleted && got[1] != 404 {
				t.Errorf("round %d: client under a deleted agency answered %d, want 404", round, got[1])
			}
			if created && got[0] != 409 {
				t.Errorf("round %d: deleting an agency that just got a client answered %d, want 409", round, got[0])
			}
		}
	})
}

// TestContractLoginRateLimitByEmailIdentity: failures count per email address
// whatever its case or surrounding spaces; the answer is 429 rate_limited with a
// whole number of seconds in Retry-After.
func TestContractLoginRateLimitByEmailIdentity(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		u := a.signUp("RL")
		var last *resp
		for i := 0; i < 11; i++ {
			e := u.Email
			if i%2 == 0 {
				e = " " + strings.ToUpper(u.Email) + " "
			}
			last = a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": e, "password": "not the password"})
		}
		problem(t, last, 429, "rate_limited")
		var secs int
		if _, err := fmt.Sscanf(last.Header.Get("Retry-After"), "%d", &secs); err != nil || secs < 1 {
			t.Fatalf("Retry-After %q", last.Header.Get("Retry-After"))
		}
		// Another address is not held up.
		other := a.signUp("RLOther")
		a.logIn(&other)
	})
}
