package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrBackupPostgres: the store copies only SQLite databases; PostgreSQL has pg_dump.
var ErrBackupPostgres = errors.New("backup copies the SQLite database; for PostgreSQL use pg_dump (see the README)")

// Backup writes a consistent copy of the SQLite database to path, which must not
// exist, while the server may be writing: VACUUM INTO reads one snapshot (WAL
// lets writers go on) and writes a compact database beside path, renamed into
// place once complete, so that path is never a half-written copy.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != sqlite {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	os.Remove(tmpPath) // VACUUM INTO wants a file that does not exist
	defer os.Remove(tmpPath)
	if _, err := s.read.ExecContext(ctx, `VACUUM INTO ?`, tmpPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		return err
	}
	if err := CheckSQLiteFile(ctx, tmpPath); err != nil {
		return fmt.Errorf("backup: the copy is not consistent: %w", err)
	}
	if err := os.Link(tmpPath, path); err != nil { // fails rather than overwrite a file made meanwhile
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// CheckSQLiteFile opens a SQLite database file read-only and checks it the way a
// restore needs: PRAGMA integrity_check is ok and no foreign key is dangling.
func CheckSQLiteFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	return checkSQLite(ctx, db)
}

// CheckConsistency runs the database's own consistency checks (SQLite:
// integrity_check and foreign_key_check; PostgreSQL keeps these itself).
func (s *Store) CheckConsistency(ctx context.Context) error {
	if s.dialect != sqlite {
		return s.Ping(ctx)
	}
	return checkSQLite(ctx, s.read)
}

func checkSQLite(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity_check: %s", strings.Join(problems, "; "))
	}
	fk, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer fk.Close()
	if fk.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var idx int
		if err := fk.Scan(&table, &rowid, &parent, &idx); err != nil {
			return err
		}
		return fmt.Errorf("foreign_key_check: a row of %s refers to a missing row of %s", table, parent)
	}
	return fk.Err()
}
