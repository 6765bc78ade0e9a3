package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"sync"
	"testing"
	"time"
)

// TestMetricsMove runs the real server and scrapes /metrics after each action that
// a metric counts: requests, reported calls and minutes, imported rows, queued mail,
// database pools, and the Go and process collectors.
func TestMetricsMove(t *testing.T) {
	dir := t.TempDir()
	getenv := func(string) string { return "" }
	srv := startServe(t, getenv, "--data-dir", dir, "--operator-token", "op-token", "--smtp-allow-private")

	scrape := func() string {
		t.Helper()
		status, body := call(t, "GET", srv.URL+"/metrics", "", "", nil)
		if status != 200 {
			t.Fatalf("/metrics: %d %s", status, body)
		}
		return body
	}
	value := func(text, name string, labels ...string) float64 {
		t.Helper()
		v, _ := metricValue(text, name, labels...)
		return v
	}
	// waitFor scrapes until the metric reaches want.
	waitFor := func(name string, want float64, labels ...string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			v := value(scrape(), name, labels...)
			if v == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s%v = %v, want %v", name, labels, v, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	jsonCall := func(method, path, token string, body any) map[string]any {
		t.Helper()
		buf, _ := json.Marshal(body)
		status, raw := call(t, method, srv.URL+path, token, "application/json", bytes.NewReader(buf))
		if status >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, status, raw)
		}
		var out map[string]any
		json.Unmarshal([]byte(raw), &out)
		return out
	}

	before := scrape()
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "go_sql_open_connections", "switchboard_outbox_depth", "switchboard_import_rows_total"} {
		if _, ok := metricValue(before, name); !ok {
			t.Errorf("metric %s missing:\n%s", name, before)
		}
	}
	signups := value(before, "switchboard_http_requests_total", "route", "/api/v1/auth/signup", "status", "201")

	out := jsonCall("POST", "/api/v1/auth/signup", "", map[string]any{"email": "ops@example.com", "password": "correct horse battery", "name": "Ops"})
	token := out["token"].(string)
	waitFor("switchboard_http_requests_total", signups+1, "route", "/api/v1/auth/signup", "method", "POST", "status", "201")
	if value(scrape(), "switchboard_http_request_duration_seconds_count", "route", "/api/v1/auth/signup") < 1 {
		t.Error("the latency histogram did not count the signup")
	}
	me := jsonCall("GET", "/api/v1/me", token, nil)
	account := me["accounts"].([]any)[0].(map[string]any)["id"].(string)
	ws := me["workspaces"].([]any)[0].(map[string]any)["id"].(string)
	base := "/api/v1/workspaces/" + ws

	// A reported call counts once, with its minutes; its replay does not.
	jsonCall("PUT", "/api/v1/operator/accounts/"+account+"/plan", "op-token", map[string]any{"plan": "enterprise"})
	jsonCall("POST", "/api/v1/operator/accounts/"+account+"/minutes", "op-token", map[string]any{"minutes": 100})
	callBody := map[string]any{"external_id": "c1", "direction": "outbound", "from": "+14155550100", "to": "+14155550101",
		"started_at": "2026-03-01T08:00:00Z", "ended_at": "2026-03-01T08:01:30Z", "outcome": "completed"}
	jsonCall("POST", base+"/calls", token, callBody)
	jsonCall("POST", base+"/calls", token, callBody)
	waitFor("switchboard_calls_reported_total", 1)
	waitFor("switchboard_minutes_debited_total", 1.5)

	// An import's rows count by result once the worker has written them.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "contacts.csv")
	io.WriteString(fw, "first_name,phone\nAda,+14155550100\nBob,+14155550102\nNobody,garbage\n")
	mw.Close()
	if status, raw := call(t, "POST", srv.URL+base+"/contacts/imports", token, mw.FormDataContentType(), &body); status != 202 {
		t.Fatalf("import: %d %s", status, raw)
	}
	waitFor("switchboard_import_rows_total", 2, "result", "imported")
	waitFor("switchboard_import_rows_total", 1, "result", "rejected")

	// Mail queued for a server that never answers stays in the outbox.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	waitFor("switchboard_outbox_depth", 0, "queue", "mail")
	port := ln.Addr().(*net.TCPAddr).Port
	jsonCall("PUT", base+"/integrations/smtp", token, map[string]any{"host": "127.0.0.1", "port": port, "from_email": "team@example.com", "security": "none"})
	jsonCall("POST", base+"/invitations", token, map[string]any{"email": "new@example.com", "role": "member"})
	waitFor("switchboard_outbox_depth", 1, "queue", "mail")

	// The dispatch counter is defined for the dialler; its test is in package metrics.
	text := scrape()
	if v := value(text, "go_sql_max_open_connections", "db_name", "write"); v != 1 {
		t.Errorf("write pool max open = %v, want 1", v)
	}
}
