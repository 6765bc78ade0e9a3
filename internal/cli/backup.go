package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/switchboard/switchboard/internal/store"
)

var backupCmd = command{name: "backup", summary: "Write a consistent copy of the SQLite database, also while the server runs.\n" +
	"The copy is checked (integrity and foreign keys) before it is kept. To restore, stop the\n" +
	"server and put the copy in place as <data-dir>/switchboard.db (removing switchboard.db-wal\n" +
	"and switchboard.db-shm). For PostgreSQL use pg_dump.",
	examples: []string{"switchboard backup --data-dir ./data --to backups/switchboard-$(date +%F).db"}}

func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := backupCmd.flagSet()
	var db dbFlags
	db.register(fs, getenv)
	to := fs.String("to", "", "file to write the copy to; it must not exist")
	if _, err := backupCmd.parseArgs(fs, args, stdout, stderr); err != nil {
		return err
	}
	if *to == "" {
		backupCmd.usage(stderr, fs)
		return errors.New("backup needs --to FILE")
	}
	if isPostgres(db.databaseURL) {
		return store.ErrBackupPostgres
	}
	if err := db.requireDatabase(); err != nil {
		return err
	}
	// The store is opened without migrating: a backup changes nothing.
	st, err := store.Open(ctx, store.Config{DataDir: db.dataDir, DefaultPlan: db.defaultPlan, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *to); err != nil {
		return err
	}
	abs, _ := filepath.Abs(*to)
	fmt.Fprintf(stdout, "backup written to %s (integrity and foreign keys checked)\n", abs)
	return nil
}
