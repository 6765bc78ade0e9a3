// Package storetest opens fresh stores for tests: a new SQLite database in a
// temporary directory always, and a fresh PostgreSQL schema when
// SWITCHBOARD_TEST_POSTGRES_URL names a server. It is imported only by tests.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// PostgresEnv names the PostgreSQL server tests use when it is set.
const PostgresEnv = "SWITCHBOARD_TEST_POSTGRES_URL"

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Options adjust the store a test gets.
type Options struct {
	Clock       *Clock
	DefaultPlan string
	// Configure, if set, edits the configuration before the store opens.
	Configure func(*store.Config)
}

// FastPasswords are cheap argon2id parameters, for tests only.
var FastPasswords = secret.PasswordParams{Memory: 512, Time: 1, Threads: 1}

// Each runs fn once per available database, as subtests named "sqlite" and
// "postgres". The PostgreSQL run is skipped, saying why, when no server is named.
func Each(t *testing.T, opts Options, fn func(t *testing.T, s *store.Store, clock *Clock)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			clock := opts.Clock
			if clock == nil {
				clock = NewClock()
			}
			s := Open(t, dialect, opts, clock)
			fn(t, s, clock)
		})
	}
}

// Open opens one fresh, migrated store of the dialect; it is closed and dropped when
// the test ends.
func Open(t testing.TB, dialect string, opts Options, clock *Clock) *store.Store {
	t.Helper()
	cfg := store.Config{Now: clock.Now, DefaultPlan: opts.DefaultPlan, Password: FastPasswords}
	switch dialect {
	case "sqlite":
		cfg.DataDir = t.TempDir()
	case "postgres":
		cfg.DatabaseURL = PostgresSchema(t)
		// The same pool cap as serve --db-max-conns, so that parallel test
		// packages fit in PostgreSQL's connections.
		if n, err := strconv.Atoi(os.Getenv("SWITCHBOARD_DB_MAX_CONNS")); err == nil && n > 0 {
			cfg.MaxConns = n
		}
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", dialect, err)
	}
	return s
}

// PostgresSchema creates a fresh schema on the test server and returns a URL that
// uses it; the schema is dropped when the test ends. Without a server it skips.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + PostgresEnv + " (e.g. postgres://postgres@127.0.0.1:5432/test) to run them")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
