package store

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/internal/secret"
)

// SeedContactsForTest inserts n contacts carrying tag into a workspace, with
// distinct made-up phone numbers. It is for tests only: it checks no permission and
// writes no audit entry.
func (s *Store) SeedContactsForTest(ctx context.Context, workspaceID, tag string, n int) error {
	return s.update(ctx, func(t *tx) error {
		var have int64
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE workspace_id = ?`, workspaceID).Scan(&have); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			id := secret.NewID("con", t.now)
			phone := fmt.Sprintf("+1555%07d", have+int64(i))
			var tags []string
			if tag != "" {
				tags = []string{tag}
			}
			if _, err := t.exec(ctx, `INSERT INTO contacts (id, workspace_id, phone, created_at, updated_at, tags) VALUES (?, ?, ?, ?, ?, ?)`,
				id, workspaceID, phone, t.now.UnixMicro(), t.now.UnixMicro(), tagsJSON(tags)); err != nil {
				return err
			}
			if tag != "" {
				if _, err := t.exec(ctx, `INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES (?, ?, ?)`, workspaceID, tag, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// AuditActionsForTest returns the actions recorded in a workspace's audit log,
// oldest first. It is for tests only.
func (s *Store) AuditActionsForTest(ctx context.Context, workspaceID string) ([]string, error) {
	var out []string
	err := s.view(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT action FROM audit_log WHERE workspace_id = ? ORDER BY at, id`, workspaceID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
