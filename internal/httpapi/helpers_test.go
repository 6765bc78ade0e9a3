package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const operatorToken = "test-operator-token"

// api is a running API on a real store, and a client for it.
type api struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	clock *storetest.Clock
	mail  *mail.Worker // drains the outbox: a.mail.RunOnce(ctx)
}

// eachAPI runs fn against the API on every available database.
func eachAPI(t *testing.T, fn func(t *testing.T, a *api)) {
	t.Helper()
	storetest.Each(t, storetest.Options{Configure: configureMail}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s, Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s, VoiceEngine: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		fn(t, &api{t: t, srv: srv, store: s, clock: clock, mail: newMailWorker(s)})
	})
}

// resp is an answer: its status, headers and decoded JSON body.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// Str returns a string field of the body (dotted path for nested objects).
func (r *resp) Str(path string) string {
	v := r.Get(path)
	s, _ := v.(string)
	return s
}

// Get returns a field of the body by dotted path.
func (r *resp) Get(path string) any {
	var cur any = r.Body
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// Items returns the items of a list answer.
func (r *resp) Items() []map[string]any {
	raw, _ := r.Body["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// do sends a request with an optional bearer token and JSON body.
func (a *api) do(method, path, token string, body any) *resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			a.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
		}
	}
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		a.t.Fatalf("%s %s: error %d without problem+json: %s", method, path, res.StatusCode, raw)
	}
	return out
}

// want fails the test unless the answer has the status (and, for errors, the code).
func (r *resp) want(t *testing.T, status int, code ...string) *resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if len(code) > 0 && r.Str("code") != code[0] {
		t.Fatalf("code %q, want %q: %s", r.Str("code"), code[0], r.Raw)
	}
	return r
}

var userSeq atomic.Int64

// user is a signed-up person with their session and first workspace.
type user struct {
	ID, Email, Token, AccountID, WorkspaceID string
}

// signUp creates a new user (and their account and first workspace).
func (a *api) signUp(name string) user {
	a.t.Helper()
	email := fmt.Sprintf("%s%d@example.com", strings.ToLower(name), userSeq.Add(1))
	r := a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": email, "password": "correct horse battery", "name": name}).want(a.t, 201)
	u := user{ID: r.Str("user.id"), Email: email, Token: r.Str("token")}
	me := a.do("GET", "/api/v1/me", u.Token, nil).want(a.t, 200)
	u.AccountID = me.Body["accounts"].([]any)[0].(map[string]any)["id"].(string)
	u.WorkspaceID = me.Body["workspaces"].([]any)[0].(map[string]any)["id"].(string)
	return u
}

// setPlan changes an account's plan through the operator API.
func (a *api) setPlan(accountID, plan string) {
	a.t.Helper()
	a.do("PUT", "/api/v1/operator/accounts/"+accountID+"/plan", operatorToken, map[string]string{"plan": plan}).want(a.t, 200)
}

// grant adds minutes to an account's pool through the operator API.
func (a *api) grant(accountID string, minutes int) {
	a.t.Helper()
	a.do("POST", "/api/v1/operator/accounts/"+accountID+"/minutes", operatorToken, map[string]any{"minutes": minutes}).want(a.t, 201)
}

// join gives u a direct role in a workspace (what accepting an invitation does).
func (a *api) join(workspaceID string, u user, role sb.Role) {
	a.t.Helper()
	if err := a.store.GrantMembership(context.Background(), workspaceID, u.ID, role); err != nil {
		a.t.Fatal(err)
	}
}

// createWorkspace creates a workspace and returns its id.
func (a *api) createWorkspace(token string, body map[string]any) string {
	a.t.Helper()
	return a.do("POST", "/api/v1/workspaces", token, body).want(a.t, 201).Str("id")
}

// logIn opens a fresh session for u (sessions expire after 30 days).
func (a *api) logIn(u *user) {
	a.t.Helper()
	u.Token = a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).want(a.t, 200).Str("token")
}
