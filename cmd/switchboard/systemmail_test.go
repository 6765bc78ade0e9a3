package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
)

// TestSystemMailThroughSMTPURL: the binary sends a password-reset link through the
// server named by SWITCHBOARD_SMTP_URL (a real SMTP server on loopback), from
// --mail-from, with a link to --base-url.
func TestSystemMailThroughSMTPURL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	catcher, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer catcher.Close()
	srv := startServerWith(t, bin, []string{"SWITCHBOARD_SMTP_URL=smtp://" + catcher.Addr() + "?security=none"},
		"--mail-from", "Ops <ops@example.com>", "--base-url", "https://sb.example")
	call(t, "POST", srv.base+"/api/v1/auth/signup", "", map[string]string{"email": "ann@example.com", "password": "password-123", "name": "Ann"}).want(t, 201)
	// The unknown email first: the outbox sends in order, so were it mailed, it
	// would arrive before Ann's.
	call(t, "POST", srv.base+"/api/v1/auth/password-reset", "", map[string]string{"email": "nobody@example.com"}).want(t, 202)
	call(t, "POST", srv.base+"/api/v1/auth/password-reset", "", map[string]string{"email": "ann@example.com"}).want(t, 202)

	deadline := time.Now().Add(30 * time.Second) // the worker polls every 2 seconds
	for len(catcher.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no system mail arrived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := catcher.Messages()[0]
	if len(m.To) != 1 || m.To[0] != "ann@example.com" || !strings.Contains(m.From, "ops@example.com") {
		t.Fatalf("mail from %q to %v", m.From, m.To)
	}
	link := regexp.MustCompile(`https://sb\.example/reset/(sbp_\S+)`).FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no reset link: %s", m.Text)
	}
	call(t, "POST", srv.base+"/api/v1/auth/password-reset/confirm", "", map[string]string{"token": link[1], "password": "a-new-password"}).want(t, 204)
	call(t, "POST", srv.base+"/api/v1/auth/login", "", map[string]string{"email": "ann@example.com", "password": "a-new-password"}).want(t, 200)
	if n := len(catcher.Messages()); n != 1 {
		t.Fatalf("%d messages; an unknown email got mail", n)
	}
}
