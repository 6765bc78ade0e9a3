package cli

import (
	"net"
	"strings"
	"testing"
)

// Several --dev servers on one machine (three replicas, or parallel tests) each
// start: when the catcher's default port is taken, it takes a free one.
func TestDevCatcherDefaultPortTakenFallsBack(t *testing.T) {
	// Hold the default port, unless something else already holds it.
	if ln, err := net.Listen("tcp", "127.0.0.1:1025"); err == nil {
		defer ln.Close()
	}
	env := func(string) string { return "" }
	r := startServe(t, env, "--dev", "--data-dir", t.TempDir())
	out := r.Stdout.String()
	_, after, ok := strings.Cut(out, "dev mail catcher: SMTP on ")
	if !ok {
		t.Fatalf("no catcher line: %s", out)
	}
	addr := strings.TrimSuffix(strings.Fields(after)[0], ",")
	if addr == "127.0.0.1:1025" {
		t.Fatalf("catcher on the taken default port: %s", out)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Errorf("catcher at %s does not answer: %v", addr, err)
	} else {
		c.Close()
	}
}
