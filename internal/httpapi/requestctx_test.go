package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestRequestIDsAndLogLine: a request id is taken from X-Request-Id or made,
// returned in the header and in problem documents, and the log line has it with
// the actor, the workspace and the duration in milliseconds.
func TestRequestIDsAndLogLine(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		var logs lockedBuffer
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s, Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s},
			httpapi.Config{Now: clock.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		a := &api{t: t, srv: srv, store: s, clock: clock}
		u := a.signUp("Logan")

		r := a.do("GET", "/api/v1/workspaces/"+u.WorkspaceID, u.Token, nil).want(t, 200)
		made := r.Header.Get("X-Request-Id")
		if len(made) < 16 {
			t.Fatalf("no request id made: %q", made)
		}
		// A caller's id is kept and shown in the problem document.
		r = a.doHeaders("GET", "/api/v1/workspaces/nope", u.Token, map[string]string{"X-Request-Id": "trace-42"}).want(t, 404)
		if r.Header.Get("X-Request-Id") != "trace-42" || r.Str("request_id") != "trace-42" {
			t.Fatalf("caller's request id not kept: %q %s", r.Header.Get("X-Request-Id"), r.Raw)
		}
		// An unusable one is replaced.
		r = a.doHeaders("GET", "/api/v1/me", "", map[string]string{"X-Request-Id": "bad id\twith spaces"}).want(t, 401)
		if id := r.Header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") || r.Str("request_id") != id {
			t.Fatalf("bad request id kept: %q %s", id, r.Raw)
		}

		var found bool
		for _, l := range logs.lines() {
			if l["msg"] == "request" && l["request_id"] == made {
				found = true
				if l["actor_id"] != u.ID || l["workspace_id"] != u.WorkspaceID {
					t.Errorf("log line lacks actor or workspace: %v", l)
				}
				if _, ok := l["duration_ms"].(float64); !ok {
					t.Errorf("log line lacks duration_ms: %v", l)
				}
			}
		}
		if !found {
			t.Fatalf("no log line with request id %s", made)
		}
	})
}

// doHeaders is do with extra request headers.
func (a *api) doHeaders(method, path, token string, headers map[string]string) *resp {
	a.t.Helper()
	req := httptest.NewRequest(method, a.srv.URL+path, nil)
	req.RequestURI = ""
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	out := &resp{Status: res.StatusCode, Header: res.Header}
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	out.Raw = buf.Bytes()
	json.Unmarshal(out.Raw, &out.Body)
	return out
}
