package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// InvitationPrefix starts every invitation token.
const InvitationPrefix = "sbi_"

// invRow is an invitation as stored.
type invRow struct {
	ID             string
	WorkspaceID    string
	AccountID      string
	Email          string
	EmailKey       string
	Role           string
	Status         string
	InvitedBy      string
	CreatedAt      int64
	ExpiresAt      int64
	DeliveryStatus string
	DeliveryError  string
}

const invColumns = `id, workspace_id, account_id, email, email_key, role, status, invited_by, created_at, expires_at, delivery_status, delivery_error`

func scanInvitation(sc interface{ Scan(...any) error }) (*invRow, error) {
	var r invRow
	err := sc.Scan(&r.ID, &r.WorkspaceID, &r.AccountID, &r.Email, &r.EmailKey, &r.Role, &r.Status, &r.InvitedBy,
		&r.CreatedAt, &r.ExpiresAt, &r.DeliveryStatus, &r.DeliveryError)
	return &r, err
}

// status is the state the API shows: a pending invitation past its expiry is expired.
func (r *invRow) status(now time.Time) string {
	if r.Status == sb.InvitationPending && r.ExpiresAt <= now.UnixMicro() {
		return sb.InvitationExpired
	}
	return r.Status
}

func (r *invRow) view(now time.Time) sb.Invitation {
	return sb.Invitation{ID: r.ID, WorkspaceID: r.WorkspaceID, Email: r.Email, Role: sb.Role(r.Role), Status: r.status(now),
		CreatedAt: toTime(r.CreatedAt), ExpiresAt: toTime(r.ExpiresAt), InvitedBy: r.InvitedBy,
		Delivery: sb.Delivery{Status: r.DeliveryStatus, Error: r.DeliveryError}}
}

// checkSeats refuses an invitation that would take the account past its plan's
// seats: distinct people who are members of any of its live workspaces, plus
// distinct emails with a pending invitation, plus emailKey.
func (t *tx) checkSeats(ctx context.Context, accountID, emailKey string) error {
	a, err := t.loadAccount(ctx, accountID, true)
	if err != nil {
		return err
	}
	limits := t.s.cfg.Plans[a.Plan]
	if limits.MaxSeats == nil {
		return nil
	}
	var n int
	err = t.queryRow(ctx, `SELECT COUNT(*) FROM (
		SELECT u.email_key AS k FROM memberships m JOIN workspaces w ON w.id = m.workspace_id JOIN users u ON u.id = m.user_id
			WHERE w.account_id = ? AND w.deleted_at IS NULL
		UNION SELECT email_key AS k FROM invitations WHERE account_id = ? AND status = 'pending' AND expires_at > ?
		UNION SELECT CAST(? AS TEXT) AS k) seats`, a.ID, a.ID, t.now.UnixMicro(), emailKey).Scan(&n)
	if err != nil {
		return err
	}
	if n > *limits.MaxSeats {
		return sb.Errorf(sb.ECodePlanLimitReached, "The %s plan allows %d seat(s), counting members and pending invitations; upgrade the plan, or remove a member or an invitation first.", a.Plan, *limits.MaxSeats)
	}
	return nil
}

// CreateInvitation invites an email address with a role and queues the email, in
// one transaction.
func (s *Store) CreateInvitation(ctx context.Context, actor sb.Actor, workspaceID string, in sb.InvitationInput) (*sb.Invitation, error) {
	in.Normalize()
	var out sb.Invitation
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageMembers, true)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		smtp, _, err := t.effectiveSMTP(ctx, w)
		if err != nil {
			return err
		}
		if smtp == nil {
			return smtpNotConfigured(w.ID)
		}
		key := sb.EmailKey(in.Email)
		var userID string
		err = t.queryRow(ctx, `SELECT id FROM users WHERE email_key = ?`, key).Scan(&userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if userID != "" {
			role, err := t.directRole(ctx, w.ID, userID)
			if err != nil {
				return err
			}
			if role != sb.RoleNone {
				return sb.Errorf(sb.ECodeAlreadyMember, "%s is already a member of this workspace (as %s); change their role on the Team page instead.", in.Email, role)
			}
		}
		// A pending invitation past its expiry gives way to the new one.
		if _, err := t.exec(ctx, `UPDATE invitations SET status = 'expired' WHERE workspace_id = ? AND email_key = ? AND status = 'pending' AND expires_at <= ?`,
			w.ID, key, t.now.UnixMicro()); err != nil {
			return err
		}
		var pending int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM invitations WHERE workspace_id = ? AND email_key = ? AND status = 'pending'`, w.ID, key).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return invitationPending(in.Email)
		}
		if err := t.checkSeats(ctx, w.AccountID, key); err != nil {
			return err
		}
		token := secret.Token(InvitationPrefix)
		r := &invRow{ID: secret.NewID("inv", t.now), WorkspaceID: w.ID, AccountID: w.AccountID, Email: in.Email, EmailKey: key,
			Role: string(in.Role), Status: sb.InvitationPending, InvitedBy: actor.UserID, CreatedAt: t.now.UnixMicro(),
			ExpiresAt: t.now.Add(sb.InvitationTTL).UnixMicro(), DeliveryStatus: sb.DeliveryQueued}
		_, err = t.exec(ctx, `INSERT INTO invitations (id, workspace_id, account_id, email, email_key, role, token_hash, status, invited_by, created_at, expires_at, delivery_status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.WorkspaceID, r.AccountID, r.Email, r.EmailKey, r.Role, secret.HashToken(token), r.Status, r.InvitedBy, r.CreatedAt, r.ExpiresAt, r.DeliveryStatus)
		if isUniqueViolation(err) {
			return invitationPending(in.Email)
		}
		if err != nil {
			return err
		}
		out = r.view(t.now)
		if out.AcceptURL, err = t.enqueueInvitationMail(ctx, w, r, token); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "invitation.created", r.ID, map[string]any{"email": r.Email, "role": r.Role})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func invitationPending(email string) error {
	return sb.Errorf(sb.ECodeInvitationPending, "%s already has a pending invitation to this workspace; resend it or revoke it instead.", email)
}

// loadInvitation reads one invitation of a workspace.
func (t *tx) loadInvitation(ctx context.Context, workspaceID, id string) (*invRow, error) {
	r, err := scanInvitation(t.queryRow(ctx, `SELECT `+invColumns+` FROM invitations WHERE id = ? AND workspace_id = ?`+t.forUpdate(), id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Invitation")
	}
	return r, err
}

// ListInvitations lists a workspace's invitations, by default pending and expired.
func (s *Store) ListInvitations(ctx context.Context, actor sb.Actor, workspaceID, status string) ([]sb.Invitation, error) {
	var out []sb.Invitation
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageMembers, false)
		if err != nil {
			return err
		}
		now := t.now.UnixMicro()
		q := `SELECT ` + invColumns + ` FROM invitations WHERE workspace_id = ? AND `
		args := []any{w.ID}
		switch status {
		case "":
			q += `status IN ('pending', 'expired')`
		case sb.InvitationPending:
			q += `status = 'pending' AND expires_at > ?`
			args = append(args, now)
		case sb.InvitationExpired:
			q += `(status = 'expired' OR (status = 'pending' AND expires_at <= ?))`
			args = append(args, now)
		case sb.InvitationAccepted, sb.InvitationRevoked:
			q += `status = ?`
			args = append(args, status)
		default:
			return &sb.Error{Code: sb.ECodeValidation, Message: "The status must be pending, expired, accepted or revoked.",
				Fields: []sb.FieldError{{Location: "query.status", Message: "Must be pending, expired, accepted or revoked."}}}
		}
		rows, err := t.query(ctx, q+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []sb.Invitation{}
		for rows.Next() {
			r, err := scanInvitation(rows)
			if err != nil {
				return err
			}
			out = append(out, r.view(t.now))
		}
		return rows.Err()
	})
	return out, err
}

// ResendInvitation gives a pending or expired invitation a new link, valid for 7
// days from now, and queues the email again; the old link stops working.
func (s *Store) ResendInvitation(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Invitation, error) {
	var out sb.Invitation
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageMembers, true)
		if err != nil {
			return err
		}
		r, err := t.loadInvitation(ctx, w.ID, id)
		if err != nil {
			return err
		}
		state := r.status(t.now)
		if state == sb.InvitationAccepted || state == sb.InvitationRevoked {
			return sb.Errorf(sb.ECodeInvalidState, "This invitation was %s and cannot be resent; create a new one if needed.", state)
		}
		smtp, _, err := t.effectiveSMTP(ctx, w)
		if err != nil {
			return err
		}
		if smtp == nil {
			return smtpNotConfigured(w.ID)
		}
		if state == sb.InvitationExpired {
			if err := t.checkSeats(ctx, w.AccountID, r.EmailKey); err != nil {
				return err
			}
		}
		var oldHash string
		if err := t.queryRow(ctx, `SELECT token_hash FROM invitations WHERE id = ? AND workspace_id = ?`, r.ID, w.ID).Scan(&oldHash); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO invitation_old_tokens (token_hash, invitation_id, workspace_id, replaced_at) VALUES (?, ?, ?, ?)`,
			oldHash, r.ID, w.ID, t.now.UnixMicro()); err != nil {
			return err
		}
		token := secret.Token(InvitationPrefix)
		r.Status, r.ExpiresAt, r.DeliveryStatus, r.DeliveryError = sb.InvitationPending, t.now.Add(sb.InvitationTTL).UnixMicro(), sb.DeliveryQueued, ""
		res, err := t.exec(ctx, `UPDATE invitations SET token_hash = ?, status = 'pending', expires_at = ?, delivery_status = 'queued', delivery_error = ''
			WHERE id = ? AND workspace_id = ? AND status IN ('pending', 'expired')`, secret.HashToken(token), r.ExpiresAt, r.ID, w.ID)
		if isUniqueViolation(err) {
			return invitationPending(r.Email)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.Errorf(sb.ECodeInvalidState, "This invitation changed meanwhile; reload and try again.")
		}
		if err := t.cancelMail(ctx, w.ID, r.ID); err != nil {
			return err
		}
		out = r.view(t.now)
		if out.AcceptURL, err = t.enqueueInvitationMail(ctx, w, r, token); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "invitation.resent", r.ID, map[string]any{"email": r.Email, "role": r.Role})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeInvitation kills an invitation's link.
func (s *Store) RevokeInvitation(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageMembers, true)
		if err != nil {
			return err
		}
		r, err := t.loadInvitation(ctx, w.ID, id)
		if err != nil {
			return err
		}
		switch r.Status {
		case sb.InvitationRevoked:
			return nil
		case sb.InvitationAccepted:
			return sb.Errorf(sb.ECodeInvalidState, "This invitation was already accepted; remove the member instead.")
		}
		res, err := t.exec(ctx, `UPDATE invitations SET status = 'revoked', revoked_at = ? WHERE id = ? AND workspace_id = ? AND status IN ('pending', 'expired')`,
			t.now.UnixMicro(), r.ID, w.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.Errorf(sb.ECodeInvalidState, "This invitation changed meanwhile; reload and try again.")
		}
		if err := t.cancelMail(ctx, w.ID, r.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "invitation.revoked", r.ID, map[string]any{"email": r.Email, "role": r.Role})
	})
}

// invitationByToken finds the invitation a link names and refuses links that no
// longer work: 410 for revoked, used, expired or replaced links, 404 for unknown.
func (t *tx) invitationByToken(ctx context.Context, token string, lock bool) (*invRow, error) {
	hash := secret.HashToken(token)
	r, err := scanInvitation(t.queryRow(ctx, `SELECT `+invColumns+` FROM invitations WHERE token_hash = ?`+t.lockIf(lock), hash))
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM invitation_old_tokens WHERE token_hash = ?`, hash).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, sb.Errorf(sb.ECodeInvitationExpired, "This link was replaced by a newer invitation email; use the link in the latest one.")
		}
		return nil, sb.NotFound("Invitation")
	}
	if err != nil {
		return nil, err
	}
	switch r.status(t.now) {
	case sb.InvitationRevoked:
		return nil, sb.Errorf(sb.ECodeInvitationRevoked, "This invitation was revoked; ask the workspace's admin for a new one.")
	case sb.InvitationAccepted:
		return nil, sb.Errorf(sb.ECodeInvitationUsed, "This invitation has already been used; log in to reach the workspace.")
	case sb.InvitationExpired:
		return nil, sb.Errorf(sb.ECodeInvitationExpired, "This invitation has expired; ask the workspace's admin to resend it.")
	}
	return r, nil
}

// PreviewInvitation shows what a link invites to, without using it up.
func (s *Store) PreviewInvitation(ctx context.Context, token string) (*sb.InvitationPreview, error) {
	var out sb.InvitationPreview
	err := s.view(ctx, func(t *tx) error {
		r, err := t.invitationByToken(ctx, token, false)
		if err != nil {
			return err
		}
		w, err := t.loadWorkspace(ctx, r.WorkspaceID, false)
		if err != nil {
			return err
		}
		if w.DeletedAt.Valid {
			return sb.NotFound("Invitation")
		}
		var inviter string
		if err := t.queryRow(ctx, `SELECT name FROM users WHERE id = ?`, r.InvitedBy).Scan(&inviter); err != nil {
			return err
		}
		brand, err := t.branding(ctx, w)
		if err != nil {
			return err
		}
		out = sb.InvitationPreview{Email: r.Email, Role: sb.Role(r.Role), Workspace: sb.NameOnly{Name: w.Name},
			Inviter: sb.NameOnly{Name: inviter}, ExpiresAt: toTime(r.ExpiresAt), Branding: brand}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AcceptInvitation uses a link for the signed-in actor, whose email must be the
// invited one. Of concurrent accepts exactly one succeeds.
func (s *Store) AcceptInvitation(ctx context.Context, actor sb.Actor, token string) (*sb.Acceptance, error) {
	if actor.IsAPIKey() || actor.UserID == "" {
		return nil, sb.Errorf(sb.ECodeForbidden, "Accept an invitation signed in as yourself, not with an API key.")
	}
	var out sb.Acceptance
	err := s.update(ctx, func(t *tx) error {
		m, err := t.acceptInvitation(ctx, actor, token)
		if err != nil {
			return err
		}
		out = sb.Acceptance{WorkspaceID: m.WorkspaceID, Role: m.Role}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkInvitationForSignUp checks that an invitation token is usable and names email.
func (t *tx) checkInvitationForSignUp(ctx context.Context, token, email string) error {
	r, err := t.invitationByToken(ctx, token, false)
	if err != nil {
		return err
	}
	if r.EmailKey != sb.EmailKey(email) {
		return emailMismatch()
	}
	return nil
}

func emailMismatch() error {
	return sb.Errorf(sb.ECodeEmailMismatch, "This invitation is for another email address; sign in with the invited address, or ask for an invitation to yours.")
}

// accepted is the membership an accepted invitation made.
type accepted struct {
	WorkspaceID string
	Role        sb.Role
}

// acceptInvitation uses an invitation token for actor.
func (t *tx) acceptInvitation(ctx context.Context, actor sb.Actor, token string) (*accepted, error) {
	r, err := t.invitationByToken(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if r.EmailKey != sb.EmailKey(actor.Email) {
		return nil, emailMismatch()
	}
	w, err := t.loadWorkspace(ctx, r.WorkspaceID, false)
	if err != nil {
		return nil, err
	}
	if w.DeletedAt.Valid {
		return nil, sb.NotFound("Invitation")
	}
	res, err := t.exec(ctx, `UPDATE invitations SET status = 'accepted', accepted_by = ?, accepted_at = ?
		WHERE id = ? AND workspace_id = ? AND status = 'pending' AND expires_at > ?`, actor.UserID, t.now.UnixMicro(), r.ID, w.ID, t.now.UnixMicro())
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, sb.Errorf(sb.ECodeInvitationUsed, "This invitation has already been used; log in to reach the workspace.")
	}
	t.at("accept.updated")
	if err := t.grantMembership(ctx, w.ID, actor.UserID, sb.Role(r.Role)); err != nil {
		return nil, err
	}
	if err := t.cancelMail(ctx, w.ID, r.ID); err != nil {
		return nil, err
	}
	if err := t.audit(ctx, actor, w.ID, w.AccountID, "invitation.accepted", r.ID, map[string]any{"email": r.Email, "role": r.Role, "user_id": actor.UserID}); err != nil {
		return nil, err
	}
	if _, err := t.emit(ctx, w.ID, w.AccountID, sb.EventInvitationAccepted, map[string]any{"invitation_id": r.ID, "email": r.Email, "role": r.Role, "user_id": actor.UserID}); err != nil {
		return nil, err
	}
	return &accepted{WorkspaceID: w.ID, Role: sb.Role(r.Role)}, nil
}

// enqueueInvitationMail writes the invitation's email to the outbox, in the
// invitation's transaction, and returns the link. The payload is sealed: it holds
// the token.
func (t *tx) enqueueInvitationMail(ctx context.Context, w *wsRow, r *invRow, token string) (string, error) {
	base, brand, err := t.baseURL(ctx, w)
	if err != nil {
		return "", err
	}
	link := base + "/invite/" + token
	var inviter string
	if err := t.queryRow(ctx, `SELECT name FROM users WHERE id = ?`, r.InvitedBy).Scan(&inviter); err != nil {
		return "", err
	}
	body, err := json.Marshal(sb.InvitationEmail{To: r.Email, WorkspaceName: w.Name, InviterName: inviter, Role: sb.Role(r.Role),
		AcceptURL: link, ExpiresAt: toTime(r.ExpiresAt), Branding: brand})
	if err != nil {
		return "", err
	}
	sealed, err := secret.Seal(t.s.cfg.SecretKey, string(body))
	if err != nil {
		return "", err
	}
	_, err = t.exec(ctx, `INSERT INTO mail_outbox (id, workspace_id, invitation_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`, secret.NewID("mail", t.now), w.ID, r.ID, sealed, t.now.UnixMicro(), t.now.UnixMicro(), t.now.UnixMicro())
	return link, err
}

// cancelMail drops an invitation's unsent mail (its link no longer works).
func (t *tx) cancelMail(ctx context.Context, workspaceID, invitationID string) error {
	_, err := t.exec(ctx, `UPDATE mail_outbox SET status = 'cancelled', payload = '', updated_at = ?
		WHERE workspace_id = ? AND invitation_id = ? AND status = 'pending'`, t.now.UnixMicro(), workspaceID, invitationID)
	return err
}
