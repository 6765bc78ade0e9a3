package cli

import (
	"database/sql"
	"os"
	"testing"

	"github.com/switchboard/switchboard/internal/storetest"
)

// TestPostgresWritesNoDataDir: with PostgreSQL and a secret key given, serve and
// the operator commands write nothing to the working directory.
func TestPostgresWritesNoDataDir(t *testing.T) {
	url := storetest.PostgresSchema(t)
	t.Chdir(t.TempDir())
	getenv := func(k string) string {
		switch k {
		case "SWITCHBOARD_DATABASE_URL":
			return url
		case "SWITCHBOARD_SECRET_KEY":
			return "0000000000000000000000000000000000000000000000000000000000000001"
		}
		return ""
	}
	serveWritesNothing(t, getenv)
}

// TestPostgresWithoutKeyWritesNoDataDir: without --secret-key, replicas on
// PostgreSQL keep their shared key in the database, not in a data directory that
// each replica would fill with a key of its own.
func TestPostgresWithoutKeyWritesNoDataDir(t *testing.T) {
	url := storetest.PostgresSchema(t)
	t.Chdir(t.TempDir())
	getenv := func(k string) string {
		if k == "SWITCHBOARD_DATABASE_URL" {
			return url
		}
		return ""
	}
	serveWritesNothing(t, getenv)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM server_keys WHERE name = 'secret' AND length(key_hex) = 64`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("server_keys holds %d keys (%v)", n, err)
	}
}

// serveWritesNothing starts serve on PostgreSQL in an empty working directory,
// waits until it is ready and checks that it wrote nothing there.
func serveWritesNothing(t *testing.T, getenv func(string) string) {
	t.Helper()
	srv := startServe(t, getenv)
	if status, _ := call(t, "GET", srv.URL+"/readyz", "", "", nil); status != 200 {
		t.Fatalf("readyz: %d", status)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("PostgreSQL mode wrote %s to the working directory", e.Name())
	}
}
