package store

import (
	"context"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// A lowered role takes effect everywhere at once (permissions.md, "Rules added in
// the second round").

// rolesAbove lists the key roles ranked above r (a key is never owner).
func rolesAbove(r sb.Role) []any {
	var out []any
	for _, k := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
		if k.Rank() > r.Rank() {
			out = append(out, string(k))
		}
	}
	return out
}

// lowerKeys lowers the live API keys a member created in w whose role is above
// their new role to it; in an agency, also their keys in its clients where they
// have no direct role (their role there is the one inherited from the agency).
func (t *tx) lowerKeys(ctx context.Context, w *wsRow, userID string, role sb.Role) error {
	above := rolesAbove(role)
	if len(above) == 0 {
		return nil
	}
	in := `role IN (` + placeholders(len(above)) + `)`
	args := append([]any{string(role), w.ID, userID}, above...)
	if _, err := t.exec(ctx, `UPDATE api_keys SET role = ? WHERE workspace_id = ? AND created_by = ? AND revoked_at IS NULL AND `+in, args...); err != nil {
		return err
	}
	args = append([]any{string(role), userID}, above...)
	args = append(args, w.ID, userID)
	_, err := t.exec(ctx, `UPDATE api_keys SET role = ? WHERE created_by = ? AND revoked_at IS NULL AND `+in+`
		AND workspace_id IN (SELECT id FROM workspaces WHERE parent_id = ?)
		AND workspace_id NOT IN (SELECT workspace_id FROM memberships WHERE user_id = ?)`, args...)
	return err
}

// revokeInvitationsBy revokes the pending invitations a removed member sent in a
// workspace, and drops their unsent mail. The invitations are changed before
// their mail, the store's lock order.
func (t *tx) revokeInvitationsBy(ctx context.Context, w *wsRow, userID string) error {
	now := t.now.UnixMicro()
	if _, err := t.exec(ctx, `UPDATE invitations SET status = 'revoked', revoked_at = ? WHERE workspace_id = ? AND invited_by = ? AND status = 'pending'`, now, w.ID, userID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE mail_outbox SET status = 'cancelled', payload = '', updated_at = ?
		WHERE workspace_id = ? AND status = 'pending'
		AND invitation_id IN (SELECT id FROM invitations WHERE workspace_id = ? AND invited_by = ? AND status = 'revoked' AND revoked_at = ?)`,
		now, w.ID, w.ID, userID, now)
	return err
}

// smtpSecretNeeded refuses a change of host, port or username that does not enter
// the password again: a stored credential is never sent where it was not entered
// for.
func smtpSecretNeeded(old *smtpRow, in sb.SMTPInput) error {
	if old == nil || old.PasswordEnc == "" || in.Password != nil {
		return nil
	}
	if in.Host == old.Host && in.Port == old.Port && in.Username == old.Username {
		return nil
	}
	var v sb.Validation
	v.Add("body.password", "Enter the password again to change the host, port or username: the stored one is only sent to the server it was entered for.")
	return v.Err()
}
