package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/storetest"
)

const e2eOperatorToken = "e2e-operator-token"

// TestBinaryEndToEnd builds the real binary once and runs it against SQLite and,
// when SWITCHBOARD_TEST_POSTGRES_URL is set, PostgreSQL: sign up, an API key,
// health checks, the operator subcommands against the same database while the
// server runs, and a clean exit on SIGTERM while a request is in flight.
func TestBinaryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dbArgs := []string{"--data-dir", t.TempDir()}
			if dialect == "postgres" {
				dbArgs = append(dbArgs, "--database-url", storetest.PostgresSchema(t))
			}
			runEndToEnd(t, bin, dbArgs)
		})
	}
}

// server is the running binary.
type server struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's answer, once done is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServer(t *testing.T, bin string, dbArgs []string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--operator-token", e2eOperatorToken}, dbArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.stderr.String())
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "switchboard listening on "); ok {
				addr <- a
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	select {
	case s.base = <-addr:
	case <-s.done:
		t.Fatalf("server exited before listening: %v\n%s", s.err, s.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not say where it listens\n%s", s.stderr.String())
	}
	if !strings.HasPrefix(s.base, "http://127.0.0.1:") {
		t.Fatalf("listening line names %q", s.base)
	}
	return s
}

// cleanEnv is the environment without Switchboard's variables, so that only the
// flags configure the binary.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			env = append(env, kv)
		}
	}
	return env
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (a answer) str(path string) string {
	var cur any = a.body
	for _, k := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[k]
	}
	s, _ := cur.(string)
	if s == "" {
		if f, ok := cur.(float64); ok {
			return fmt.Sprint(f)
		}
	}
	return s
}

func call(t *testing.T, method, url, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &a.body)
	return a
}

func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	return a
}

func runEndToEnd(t *testing.T, bin string, dbArgs []string) {
	srv := startServer(t, bin, dbArgs)
	base := srv.base
	call(t, "GET", base+"/healthz", "", nil).want(t, 200)
	call(t, "GET", base+"/readyz", "", nil).want(t, 200)

	signup := call(t, "POST", base+"/api/v1/auth/signup", "", map[string]string{
		"email": "e2e@example.com", "password": "correct horse battery", "name": "Eve",
	}).want(t, 201)
	token := signup.str("token")
	me := call(t, "GET", base+"/api/v1/me", token, nil).want(t, 200)
	accountID := me.body["accounts"].([]any)[0].(map[string]any)["id"].(string)
	wsID := me.body["workspaces"].([]any)[0].(map[string]any)["id"].(string)
	ws := base + "/api/v1/workspaces/" + wsID

	key := call(t, "POST", ws+"/api-keys", token, map[string]string{"name": "engine", "role": "admin"}).want(t, 201).str("key")
	if !strings.HasPrefix(key, "sbk_") {
		t.Fatalf("key %q", key)
	}
	if got := call(t, "PATCH", ws, key, map[string]string{"name": "Renamed by key"}).want(t, 200).str("name"); got != "Renamed by key" {
		t.Fatalf("rename by key: %q", got)
	}
	call(t, "POST", base+"/api/v1/workspaces", key, map[string]string{"name": "No"}).want(t, 403)
	call(t, "GET", ws+"/audit-log?action=workspace.updated", key, nil).want(t, 200)

	// The operator subcommands work on the same database while the server runs.
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args[:2:2], append(dbArgs, args[2:]...)...)...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("switchboard %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := cli("accounts", "set-plan", accountID, "pro"); !strings.Contains(out, "pro") {
		t.Fatalf("set-plan said %q", out)
	}
	if out := cli("minutes", "grant", "--note", "e2e", accountID, "120"); !strings.Contains(out, "120") {
		t.Fatalf("minutes grant said %q", out)
	}
	acc := call(t, "GET", base+"/api/v1/accounts/"+accountID, token, nil).want(t, 200)
	if acc.str("plan") != "pro" || acc.str("minutes.balance_seconds") != "7200" {
		t.Fatalf("account after the subcommands: %s", acc.raw)
	}
	// The pro plan allows a second workspace now.
	call(t, "POST", base+"/api/v1/workspaces", token, map[string]string{"name": "Second"}).want(t, 201)

	// A request in flight when SIGTERM arrives is answered before the exit: its
	// body is still arriving when the signal is sent.
	body := `{"name": "late", "role": "viewer"}`
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/workspaces/%s/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		wsID, token, len(body), body[:10])
	// A full round trip on another connection after the first one's headers went out.
	call(t, "GET", base+"/healthz", "", nil).want(t, 200)

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
		t.Fatalf("server exited (%v) with a request in flight", srv.err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || !strings.Contains(string(raw), `"key":"sbk_`) {
		t.Fatalf("in-flight request: %d %s", res.StatusCode, raw)
	}

	select {
	case <-srv.done:
		if srv.err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", srv.err, srv.stderr.String())
		}
		if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit within 30s of SIGTERM")
	}
	if !strings.Contains(srv.stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("no orderly stop in the log:\n%s", srv.stderr.String())
	}

	// After the exit, the database holds what was done: the subcommands see it.
	cmd := exec.Command(bin, append([]string{"accounts", "list"}, dbArgs...)...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), accountID) || !strings.Contains(string(out), "pro") {
		t.Fatalf("accounts list after the exit: %v\n%s", err, out)
	}
}
