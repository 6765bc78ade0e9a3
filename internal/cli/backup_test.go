package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestBackupDuringWrites takes backups while another connection keeps signing
// people up (each sign-up writes a user, an account, a workspace, a membership and
// audit rows in one transaction), then restores each copy and reads it back: it
// passes the consistency checks and holds whole sign-ups only.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Password: storetest.FastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "SWITCHBOARD_DATA_DIR" {
			return dir
		}
		return ""
	}

	var wrote atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, _, err := st.SignUp(ctx, sb.SignUpInput{Email: fmt.Sprintf("load%d@example.com", i), Password: "password123", Name: "Load"}); err != nil {
				t.Errorf("sign-up under load: %v", err)
				return
			}
			wrote.Add(1)
		}
	}()
	// Wait for the load to be under way.
	deadline := time.Now().Add(30 * time.Second)
	for wrote.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the write load did not start")
		}
		runtime.Gosched()
	}

	backups := make([]string, 3)
	for i := range backups {
		backups[i] = filepath.Join(t.TempDir(), "copy.db")
		before := wrote.Load()
		var out, errb bytes.Buffer
		if err := Run(ctx, []string{"backup", "--to", backups[i]}, getenv, &out, &errb); err != nil {
			t.Fatalf("backup %d: %v %s", i, err, errb.String())
		}
		if !strings.Contains(out.String(), "backup written to") {
			t.Fatalf("backup output: %s", out.String())
		}
		if wrote.Load() == before {
			t.Logf("backup %d finished between two sign-ups", i)
		}
	}
	close(stop)
	wg.Wait()
	total := wrote.Load()

	// A second backup to the same file is refused, not overwritten.
	if err := Run(ctx, []string{"backup", "--to", backups[0]}, getenv, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}

	prev := int64(0)
	for i, b := range backups {
		// Restore: the copy becomes a data directory's database.
		restored := t.TempDir()
		raw, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restored, "switchboard.db"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		rs, err := store.Open(ctx, store.Config{DataDir: restored, Password: storetest.FastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		if err := rs.CheckConsistency(ctx); err != nil {
			t.Errorf("backup %d: %v", i, err)
		}
		if err := rs.Migrate(ctx); err != nil { // already at the latest version: nothing to do
			t.Errorf("backup %d: migrate: %v", i, err)
		}
		accounts, err := rs.ListAccounts(ctx, operator)
		if err != nil {
			t.Fatal(err)
		}
		n := int64(len(accounts))
		if n < 5 || n > total || n < prev {
			t.Errorf("backup %d holds %d accounts; %d were written in all, the backup before held %d", i, n, total, prev)
		}
		prev = n
		// Each account's owner can sign in and sees their whole sign-up.
		for _, a := range accounts[:3] {
			me, err := rs.Me(ctx, sb.Actor{UserID: a.OwnerID})
			if err != nil || len(me.Accounts) != 1 || len(me.Workspaces) != 1 {
				t.Errorf("backup %d: account %s is not whole: %v %+v", i, a.ID, err, me)
			}
		}
		rs.Close()
	}
}
