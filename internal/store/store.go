// Package store is Switchboard's one SQL store, for SQLite (the embedded default)
// and PostgreSQL (scale-out). It keeps to the SQL both speak; the differences
// (placeholders, locking, connection set-up, error codes) live in dialect.go.
//
// Every exported method that acts for an actor runs in one transaction, asks the
// permission table (switchboard.Authorize) inside it, and filters every statement on
// the workspace it concerns.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

//go:embed migrations
var migrations embed.FS

// Config configures a Store.
type Config struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or postgresql://.
	DatabaseURL string
	// DataDir holds the SQLite database when DatabaseURL is empty.
	DataDir     string
	Plans       sb.Plans
	DefaultPlan string
	// Now is the clock; tests inject one.
	Now      func() time.Time
	Password secret.PasswordParams
	// SessionTTL is how long a session token works.
	SessionTTL time.Duration
	Logger     *slog.Logger
	// SecretKey (32 bytes) seals SMTP passwords and queued mail; without one a
	// random key is used, good only for this process.
	SecretKey []byte
	// BaseURL is the public URL for links in mail, unless a white-label custom
	// domain is set.
	BaseURL string
	// Mail checks SMTP hosts and sends test messages; nil refuses test sends.
	Mail sb.MailTransport
	// SystemMail is true when the operator set a mail server for system mail
	// (serve --smtp-url, or --dev); without it, system mail is logged, not queued.
	SystemMail bool
	// Engine checks voice-engine URLs and sends signed requests (the test ping);
	// nil refuses test pings.
	Engine sb.EngineClient
	// DefaultEngineURL and DefaultEngineSecret name the voice engine of workspaces
	// without one of their own (serve --dev: the simulated engine).
	DefaultEngineURL    string
	DefaultEngineSecret string
	// ImportCacheMB, when positive, is SQLite's page cache while a contact import
	// runs; by default an import keeps the usual 32 MB (see importworker.go).
	ImportCacheMB int
	// Observer hears of reported calls and imported rows, for metrics; nil is none.
	Observer Observer
	// MaxConns caps PostgreSQL's connection pool (default 20).
	MaxConns int
	// PasswordHashers is how many password hashes may run at once (default: one
	// per core); a caller waits up to PasswordHashWait (default 3s) for a turn.
	PasswordHashers  int
	PasswordHashWait time.Duration
}

// Store implements the domain services on a SQL database.
type Store struct {
	cfg     Config
	dialect dialect
	// write takes every transaction that changes data; on SQLite it is a single
	// connection whose transactions begin IMMEDIATE. read serves read-only work.
	write *sql.DB
	read  *sql.DB

	dummyOnce sync.Once
	dummy     string

	// hardening: transaction retries and test hooks (retry.go).
	retries    atomic.Int64
	hook       func(point string)
	instanceID string
	live       atomic.Bool
	hashSlots  chan struct{}

	// hot holds statements prepared once on the writer for the call report path
	// (hot.go).
	hot sync.Map

	// group queues call reports for SQLite's writer, to commit them in batches
	// (groupcommit.go); hookless caches the workspaces without webhooks
	// (callsqlite.go). Both only on SQLite.
	group    groupCommit
	hookless sync.Map
	// caches holds what the call report path may reuse while nothing else is
	// written (epoch.go). Only on SQLite.
	caches epochCaches
	// readHot holds statements prepared on the read pool (readhot.go).
	readHot sync.Map

	// importWake wakes this process's import workers when an import is queued
	// (importwake.go).
	importWake importWaker
}

// Open connects to the database named by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Plans == nil {
		cfg.Plans = sb.DefaultPlans()
	}
	if cfg.DefaultPlan == "" {
		cfg.DefaultPlan = sb.PlanFree
	}
	if _, ok := cfg.Plans[cfg.DefaultPlan]; !ok {
		return nil, fmt.Errorf("store: default plan %q is not a known plan", cfg.DefaultPlan)
	}
	if cfg.Password.Memory == 0 {
		cfg.Password = secret.DefaultPasswordParams
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SecretKey == nil {
		cfg.SecretKey = secret.NewKey()
	}
	if len(cfg.SecretKey) != 32 {
		return nil, fmt.Errorf("store: the secret key must be 32 bytes, not %d", len(cfg.SecretKey))
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	s := &Store{cfg: cfg, instanceID: newInstanceID(), hashSlots: make(chan struct{}, cfg.hashSlots())}
	s.group.wake, s.group.stop = make(chan struct{}, 1), make(chan struct{})
	var err error
	if isPostgresURL(cfg.DatabaseURL) {
		s.dialect = postgres
		s.write, err = sql.Open("pgx", cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		s.write.SetMaxOpenConns(cfg.maxConns())
		s.write.SetMaxIdleConns(cfg.maxConns())
		s.read = s.write
	} else {
		s.dialect = sqlite
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		path := filepath.Join(dir, "switchboard.db")
		if s.write, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
			return nil, err
		}
		s.write.SetMaxOpenConns(1)
		s.write.SetMaxIdleConns(1)
		s.write.SetConnMaxLifetime(0)
		if s.read, err = sql.Open("sqlite", sqliteDSN(path, false)); err != nil {
			return nil, err
		}
		s.read.SetMaxOpenConns(4)
		s.read.SetMaxIdleConns(4)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return s, nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return string(s.dialect) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return err
	}
	return s.read.PingContext(ctx)
}

// Close closes the connections.
func (s *Store) Close() error {
	s.stopGroupWriter()
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Optimize is hourly housekeeping: it deletes expired sessions and, on SQLite, runs
// PRAGMA optimize.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires_at <= ?`), s.cfg.Now().UnixMicro()); err != nil {
		return err
	}
	if s.dialect != sqlite {
		return nil
	}
	_, err := s.write.ExecContext(ctx, "PRAGMA optimize")
	return err
}

// Migrate applies the embedded migrations of the dialect that are not yet applied.
// Replicas starting together on PostgreSQL take turns through an advisory lock.
func (s *Store) Migrate(ctx context.Context) error {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number", name)
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		if err := s.applyMigration(ctx, version, name, string(body)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, version int, name, body string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.dialect == postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7314159)"); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), version, name, s.cfg.Now().UnixMicro()); err != nil {
		return err
	}
	s.cfg.Logger.Info("migration applied", "name", name, "dialect", s.dialect)
	return tx.Commit()
}

// tx is one transaction with the one `now` all its statements use.
type tx struct {
	tx *sql.Tx // nil in a PostgreSQL view (view)
	// db runs the statements: tx, or a PostgreSQL view's connection.
	db  sqlRunner
	s   *Store
	now time.Time
	// write is set in update's transactions, whose statements may come from the
	// writer's prepared statements (hot.go).
	write bool
	// epoch is the writer's epoch during this write transaction on SQLite: what
	// its cached entries are stamped with and checked against (epoch.go).
	epoch uint64
	// stmts holds the transaction's own copies of the writer's prepared
	// statements (hot.go), shared by a group commit's bodies; nil: none kept.
	stmts *map[*sql.Stmt]*sql.Stmt
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.db.ExecContext(ctx, t.s.rebind(q), args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.db.QueryContext(ctx, t.s.rebind(q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.db.QueryRowContext(ctx, t.s.rebind(q), args...)
}

// forUpdate is the row-locking suffix: PostgreSQL locks rows; SQLite's IMMEDIATE
// transactions already hold the database's single write lock. NO KEY UPDATE does
// not conflict with the KEY SHARE lock a foreign key takes on the row it points to,
// so locking a workspace never waits for (or deadlocks with) an insert into it.
func (t *tx) forUpdate() string {
	if t.s.dialect == postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// update runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) update(ctx context.Context, fn func(*tx) error) error {
	return s.run(ctx, s.write, false, fn)
}

// view runs fn in a read-only transaction.
//
// On PostgreSQL its statements run one after another on one connection, with no
// BEGIN and COMMIT: under READ COMMITTED each statement of a transaction takes its
// own snapshot anyway, so the transaction bought a read nothing but two round
// trips (a third of a history page's time). A view takes no locks and changes
// nothing, so there is nothing to roll back.
func (s *Store) view(ctx context.Context, fn func(*tx) error) error {
	if s.dialect != postgres {
		return s.run(ctx, s.read, true, fn)
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: connection: %w", err)
	}
	defer conn.Close()
	return fn(&tx{db: conn, s: s, now: s.cfg.Now().UTC().Truncate(time.Microsecond)})
}

// sqlRunner is what a tx's statements run on: a *sql.Tx or a *sql.Conn.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// beginner is a *sql.DB or a *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// run runs fn in one transaction, again from the start (up to maxAttempts times,
// with jitter) when PostgreSQL reports a serialization failure or a deadlock.
func (s *Store) run(ctx context.Context, db beginner, readOnly bool, fn func(*tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runOnce(ctx, db, readOnly, fn)
		if err == nil || readOnly || attempt >= maxAttempts || !isRetryable(err) {
			return err
		}
		s.retries.Add(1)
		s.cfg.Logger.Warn("transaction retried", "attempt", attempt, "err", err)
		if err := sleepJitter(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *Store) runOnce(ctx context.Context, db beginner, readOnly bool, fn func(*tx) error) error {
	opts := &sql.TxOptions{}
	if readOnly && s.dialect == postgres {
		opts.ReadOnly = true
	}
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t := &tx{tx: sqlTx, db: sqlTx, s: s, now: s.cfg.Now().UTC().Truncate(time.Microsecond), write: !readOnly}
	if !readOnly && s.cachesByEpoch() {
		// The write lock is held (BEGIN IMMEDIATE): what was cached before is
		// stale from here, and what is cached while this runs is stale when it
		// ends (epoch.go).
		s.bumpEpoch()
		defer s.bumpEpoch()
		t.epoch = s.caches.epoch.Load()
	}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Times are stored as Unix microseconds.
func toTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

func toTimePtr(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := toTime(us.Int64)
	return &t
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func stringPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quote(s string) string { return strconv.Quote(s) }

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(scanner) (*T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// keysetPage reads one page of q (a SELECT with its WHERE, without ORDER BY)
// ordered by id, newest first when desc, after p.Cursor: LIMIT n+1, cut by pageOf.
func keysetPage[T any](ctx context.Context, t *tx, p sb.Page, desc bool, scan func(scanner) (*T, error), id func(T) string, q string, args ...any) ([]T, string, error) {
	after, order := ` AND id > ?`, ` ORDER BY id LIMIT ?`
	if desc {
		after, order = ` AND id < ?`, ` ORDER BY id DESC LIMIT ?`
	}
	if p.Cursor != "" {
		q += after
		args = append(args, p.Cursor)
	}
	out, err := queryAll(ctx, t, scan, q+order, append(args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := pageOf(out, p.Limit, id)
	return out, next, nil
}

// pageOf cuts a list read with LIMIT n+1 to n items and returns the cursor of the
// next page (empty at the end).
func pageOf[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if limit > 0 && len(items) > limit {
		return items[:limit], key(items[limit-1])
	}
	return items, ""
}
