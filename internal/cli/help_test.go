package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryHelp runs every command's -h: it exits 0 (nil) and prints the usage
// with the arguments and an example on stdout.
func TestEveryHelp(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-h"}, []string{"Commands:", "backup --to FILE"}},
		{[]string{"help"}, []string{"Commands:"}},
		{[]string{"serve", "-h"}, []string{"Usage: switchboard serve [flags]", "Example:", "--addr", "--metrics-addr", "--default-plan"}},
		{[]string{"migrate", "-h"}, []string{"Usage: switchboard migrate [flags]", "Example:", "--data-dir"}},
		{[]string{"accounts", "-h"}, []string{"Usage: switchboard accounts <command>", "set-plan ACCOUNT PLAN", "list"}},
		{[]string{"accounts", "list", "-h"}, []string{"Usage: switchboard accounts list [flags]", "Example:"}},
		{[]string{"accounts", "set-plan", "-h"}, []string{"Usage: switchboard accounts set-plan ACCOUNT PLAN [flags]", "Arguments:", "ACCOUNT", "PLAN", "enterprise", "Example:"}},
		{[]string{"minutes", "-h"}, []string{"Usage: switchboard minutes <command>", "grant ACCOUNT MINUTES"}},
		{[]string{"minutes", "grant", "--help"}, []string{"Usage: switchboard minutes grant ACCOUNT MINUTES [flags]", "Arguments:", "MINUTES", "Example:", "--note"}},
		{[]string{"backup", "-h"}, []string{"Usage: switchboard backup [flags]", "--to", "Example:", "pg_dump"}},
	} {
		var out, errb bytes.Buffer
		if err := Run(context.Background(), c.args, getenv, &out, &errb); err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: help lacks %q:\n%s", c.args, w, out.String())
			}
		}
	}
	// Flags that do not apply are not offered.
	var out bytes.Buffer
	Run(context.Background(), []string{"accounts", "list", "-h"}, getenv, &out, &out)
	if strings.Contains(out.String(), "default-plan") {
		t.Errorf("accounts list offers --default-plan:\n%s", out.String())
	}
}

// TestCommandErrorsSayWhatToDo: mistakes get sentences that name the fix.
func TestCommandErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere")
	getenv := func(k string) string {
		if k == "SWITCHBOARD_DATA_DIR" {
			return missing
		}
		return ""
	}
	run := func(args ...string) error {
		var out, errb bytes.Buffer
		return Run(context.Background(), args, getenv, &out, &errb)
	}
	for _, args := range [][]string{{"accounts", "list"}, {"accounts", "set-plan", "acc_x", "pro"}, {"minutes", "grant", "acc_x", "5"}, {"backup", "--to", filepath.Join(dir, "b.db")}} {
		err := run(args...)
		if err == nil || !strings.Contains(err.Error(), "no database at "+filepath.Join(missing, "switchboard.db")) || !strings.Contains(err.Error(), "--data-dir") {
			t.Errorf("%v on a missing database: %v", args, err)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("an operator command created %s", missing)
	}
	if err := run("minutes", "grant", "acc_x", "-5"); err == nil || !strings.Contains(err.Error(), "MINUTES must be at least 1, not -5") {
		t.Errorf("negative grant: %v", err)
	}
	if err := run("minutes", "grant", "acc_x"); err == nil || !strings.Contains(err.Error(), "missing MINUTES") {
		t.Errorf("missing argument: %v", err)
	}
	if err := run("accounts"); err == nil {
		t.Error("accounts without a command succeeded")
	}
	if err := run("accounts", "frob"); err == nil || !strings.Contains(err.Error(), `unknown command "accounts frob"`) {
		t.Errorf("unknown subcommand: %v", err)
	}
	if err := run("serve", "--no-such-flag"); err == nil || !strings.Contains(err.Error(), "no-such-flag") {
		t.Errorf("bad flag: %v", err)
	}

	// A port in use names the flag that picks another.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run("serve", "--data-dir", dir, "--addr", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("port in use: %v", err)
	}
	err = run("serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--dev", "--dev-smtp-addr", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "--dev-smtp-addr") {
		t.Errorf("dev SMTP port in use: %v", err)
	}
}
