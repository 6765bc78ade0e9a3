package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestOperatorCommands runs migrate, accounts list, accounts set-plan and minutes
// grant against a database that a store (as serve would) has written.
func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	getenv := func(k string) string {
		if k == "SWITCHBOARD_DATA_DIR" {
			return dir
		}
		return ""
	}
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := Run(ctx, args, getenv, &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := run("migrate"); err != nil || !strings.Contains(out, "migrations applied (sqlite)") {
		t.Fatalf("migrate: %v %s", err, out)
	}

	st, err := store.Open(ctx, store.Config{DataDir: dir, Password: storetest.FastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := st.SignUp(ctx, sb.SignUpInput{Email: "cli@example.com", Password: "password123", Name: "Cli"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := st.Me(ctx, sb.Actor{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	account := me.Accounts[0].ID

	if out, err := run("accounts", "set-plan", account, "enterprise"); err != nil || !strings.Contains(out, "enterprise") {
		t.Fatalf("set-plan: %v %s", err, out)
	}
	if _, err := run("accounts", "set-plan", account, "platinum"); err == nil {
		t.Fatal("an unknown plan was accepted")
	}
	if out, err := run("minutes", "grant", account, "250", "--note", "welcome"); err != nil || !strings.Contains(out, "balance now 250 minutes") {
		t.Fatalf("grant: %v %s", err, out)
	}
	if _, err := run("minutes", "grant", account, "lots"); err == nil {
		t.Fatal("a non-number of minutes was accepted")
	}
	out, err := run("accounts", "list")
	if err != nil || !strings.Contains(out, account) || !strings.Contains(out, "enterprise") || !strings.Contains(out, "250") {
		t.Fatalf("list: %v %s", err, out)
	}
	if _, err := run("frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}
