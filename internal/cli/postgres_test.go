package cli

import (
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
