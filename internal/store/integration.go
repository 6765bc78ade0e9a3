package store

import (
	"context"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// A workspace's integrations (its mail server, its voice engine) share one shape:
// admin+ reads and changes them, the secret is sealed at rest and never shown, the
// destination is checked against internal addresses before anything is stored, and
// every change is audited. The two helpers below are that shape; smtp.go and
// dialer.go keep what differs (the row, the secret rule, the audit details).

// putIntegration authorizes first (so that outsiders learn nothing from
// validation), then validates, checks the destination outside any transaction
// (a DNS lookup), and runs save in one write transaction with the workspace.
func (s *Store) putIntegration(ctx context.Context, actor sb.Actor, workspaceID string, validate, checkDestination func() error, save func(t *tx, w *wsRow) error) error {
	if err := s.view(ctx, func(t *tx) error {
		_, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		return err
	}); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	if err := checkDestination(); err != nil {
		return err
	}
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, true)
		if err != nil {
			return err
		}
		return save(t, w)
	})
}

// deleteIntegration removes the workspace's own row from table (an inherited
// one stays the agency's), audited as auditAction; 404 names what when there is
// none.
func (s *Store) deleteIntegration(ctx context.Context, actor sb.Actor, workspaceID, table, what, auditAction string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, true)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM `+table+` WHERE workspace_id = ?`, w.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sb.NotFound(what)
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, auditAction, w.ID, nil)
	})
}
