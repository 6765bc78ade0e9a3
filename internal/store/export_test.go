package store

import (
	"context"
	"database/sql"
)

// InsertRawOwnerForTest bypasses every check to prove the database's own guard.
func (s *Store) InsertRawOwnerForTest(ctx context.Context, workspaceID, userID string) error {
	return s.update(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', 0)`, workspaceID, userID)
		return err
	})
}

// DB exposes the database to the store's tests.
func (s *Store) DB() *sql.DB { return s.write }
