package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ListMembers lists a workspace's members with their effective roles: for a client
// sub-workspace, its direct members and the agency's members, whose role is
// inherited unless a direct one is higher.
func (s *Store) ListMembers(ctx context.Context, actor sb.Actor, workspaceID string) ([]sb.Member, error) {
	var out []sb.Member
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewWorkspace, false)
		if err != nil {
			return err
		}
		out, err = t.members(ctx, w)
		return err
	})
	return out, err
}

func (t *tx) members(ctx context.Context, w *wsRow) ([]sb.Member, error) {
	byUser := map[string]*sb.Member{}
	load := func(workspaceID string, inherited bool) error {
		rows, err := t.query(ctx, `SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m
			JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ?`, workspaceID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m sb.Member
			var role string
			var joined int64
			if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &role, &joined); err != nil {
				return err
			}
			m.Role, m.JoinedAt, m.Inherited = sb.Role(role), toTime(joined), inherited
			if inherited {
				m.Role = inheritedRole(m.Role)
			}
			if prev, ok := byUser[m.UserID]; ok {
				if m.Role.Rank() > prev.Role.Rank() {
					prev.Role, prev.Inherited = m.Role, true
				}
				continue
			}
			byUser[m.UserID] = &m
		}
		return rows.Err()
	}
	if err := load(w.ID, false); err != nil {
		return nil, err
	}
	if w.ParentID.Valid {
		if err := load(w.ParentID.String, true); err != nil {
			return nil, err
		}
	}
	out := make([]sb.Member, 0, len(byUser))
	for _, m := range byUser {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Role.Rank() != out[j].Role.Rank() {
			return out[i].Role.Rank() > out[j].Role.Rank()
		}
		return out[i].UserID < out[j].UserID
	})
	return out, nil
}

// member returns one user's line in the workspace's member list.
func (t *tx) member(ctx context.Context, w *wsRow, userID string) (*sb.Member, error) {
	list, err := t.members(ctx, w)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].UserID == userID {
			return &list[i], nil
		}
	}
	return nil, sb.NotFound("Member")
}

// ChangeRole gives a direct member another role: any but owner, to anyone but the
// owner. A refused attempt is recorded in the audit log too.
func (s *Store) ChangeRole(ctx context.Context, actor sb.Actor, workspaceID, userID string, in sb.RoleInput) (*sb.Member, error) {
	var out *sb.Member
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageMembers, true)
		if err != nil {
			return err
		}
		current, err := t.directRole(ctx, w.ID, userID)
		if err != nil {
			return err
		}
		if current == sb.RoleOwner {
			return sb.Errorf(sb.ECodeOwnerImmutable, "The owner's role cannot be changed; the owner can hand over with an ownership transfer.")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if current == sb.RoleNone {
			if w.ParentID.Valid {
				if r, err := t.directRole(ctx, w.ParentID.String, userID); err == nil && r != sb.RoleNone {
					return sb.Errorf(sb.ECodeInvalidState, "This person's role comes from the agency workspace; change it there, or invite them here to a higher direct role.")
				}
			}
			return sb.NotFound("Member")
		}
		if current != in.Role {
			if _, err := t.exec(ctx, `UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ? AND role <> 'owner'`, string(in.Role), w.ID, userID); err != nil {
				return err
			}
			if err := t.lowerKeys(ctx, w, userID, in.Role); err != nil {
				return err
			}
			if err := t.audit(ctx, actor, w.ID, w.AccountID, "member.role_changed", userID,
				map[string]any{"before": current, "after": in.Role}); err != nil {
				return err
			}
		}
		out, err = t.member(ctx, w, userID)
		return err
	})
	if err != nil {
		s.auditRefusal(ctx, actor, workspaceID, "member.role_change_refused", userID, err, map[string]any{"role": in.Role})
	}
	return out, err
}

// RemoveMember removes a direct membership: an admin removes anyone but the owner;
// anyone but the owner may leave. Their API keys in the workspace are revoked.
func (s *Store) RemoveMember(ctx context.Context, actor sb.Actor, workspaceID, userID string) error {
	err := s.update(ctx, func(t *tx) error {
		action := sb.ActionManageMembers
		if !actor.IsAPIKey() && actor.UserID == userID {
			action = sb.ActionViewWorkspace // leaving needs only a role
		}
		w, _, err := t.access(ctx, actor, workspaceID, action, true)
		if err != nil {
			return err
		}
		current, err := t.directRole(ctx, w.ID, userID)
		if err != nil {
			return err
		}
		switch current {
		case sb.RoleOwner:
			return sb.Errorf(sb.ECodeOwnerImmutable, "The owner cannot be removed or leave; transfer ownership first.")
		case sb.RoleNone:
			if w.ParentID.Valid {
				if r, err := t.directRole(ctx, w.ParentID.String, userID); err == nil && r != sb.RoleNone {
					return sb.Errorf(sb.ECodeInvalidState, "This person's role comes from the agency workspace; remove them there.")
				}
			}
			return sb.NotFound("Member")
		}
		if _, err := t.exec(ctx, `DELETE FROM memberships WHERE workspace_id = ? AND user_id = ? AND role <> 'owner'`, w.ID, userID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND created_by = ? AND revoked_at IS NULL`, t.now.UnixMicro(), w.ID, userID); err != nil {
			return err
		}
		// Keys they made in an agency's clients through their agency role go too,
		// unless they keep a direct role there.
		if _, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL
			AND workspace_id IN (SELECT id FROM workspaces WHERE parent_id = ?)
			AND workspace_id NOT IN (SELECT workspace_id FROM memberships WHERE user_id = ?)`, t.now.UnixMicro(), userID, w.ID, userID); err != nil {
			return err
		}
		if err := t.revokeInvitationsBy(ctx, w, userID); err != nil {
			return err
		}
		action2 := "member.removed"
		if actor.UserID == userID && !actor.IsAPIKey() {
			action2 = "member.left"
		}
		if _, err := t.emit(ctx, w.ID, w.AccountID, sb.EventMemberRemoved, map[string]any{"user_id": userID, "role": current, "left": action2 == "member.left"}); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, action2, userID, map[string]any{"role": current})
	})
	if err != nil {
		s.auditRefusal(ctx, actor, workspaceID, "member.remove_refused", userID, err, nil)
	}
	return err
}

// TransferOwnership hands a workspace to a direct member, who becomes owner; the
// former owner becomes admin. Both rows change in one transaction.
func (s *Store) TransferOwnership(ctx context.Context, actor sb.Actor, workspaceID string, in sb.TransferInput) (*sb.Workspace, error) {
	var out *sb.Workspace
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionOwn, true)
		if err != nil {
			return err
		}
		owner, err := t.ownerOf(ctx, w.ID)
		if err != nil {
			return err
		}
		if in.UserID == owner {
			return sb.Errorf(sb.ECodeInvalidState, "You already own this workspace.")
		}
		target, err := t.directRole(ctx, w.ID, in.UserID)
		if err != nil {
			return err
		}
		if target == sb.RoleNone {
			return &sb.Error{Code: sb.ECodeValidation, Message: "Ownership can only go to a direct member of this workspace; invite them first.",
				Fields: []sb.FieldError{{Location: "body.user_id", Message: "Not a direct member."}}}
		}
		res, err := t.exec(ctx, `UPDATE memberships SET role = 'admin' WHERE workspace_id = ? AND user_id = ? AND role = 'owner'`, w.ID, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.Errorf(sb.ECodeConflict, "The workspace's ownership changed meanwhile; reload and try again.")
		}
		if _, err := t.exec(ctx, `UPDATE memberships SET role = 'owner' WHERE workspace_id = ? AND user_id = ?`, w.ID, in.UserID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "workspace.ownership_transferred", in.UserID,
			map[string]any{"from": owner, "to": in.UserID, "previous_role": target}); err != nil {
			return err
		}
		role, err := t.roleIn(ctx, actor, w)
		if err != nil {
			return err
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	if err != nil {
		s.auditRefusal(ctx, actor, workspaceID, "workspace.ownership_transfer_refused", in.UserID, err, nil)
	}
	return out, err
}

// auditRefusal records a refused attempt to change members or ownership, in its own
// transaction, when the actor has some role in the workspace (outsiders' attempts
// are not recorded, so they learn nothing and fill nothing).
func (s *Store) auditRefusal(ctx context.Context, actor sb.Actor, workspaceID, action, target string, cause error, details map[string]any) {
	code := sb.ErrorCode(cause)
	switch code {
	case sb.ECodeForbidden, sb.ECodeOwnerImmutable:
	default:
		return
	}
	err := s.update(ctx, func(t *tx) error {
		w, err := t.loadWorkspace(ctx, workspaceID, false)
		if err != nil {
			return err
		}
		if role, err := t.roleIn(ctx, actor, w); err != nil || role == sb.RoleNone {
			return err
		}
		if details == nil {
			details = map[string]any{}
		}
		details["code"] = code
		return t.audit(ctx, actor, w.ID, w.AccountID, action, target, details)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.cfg.Logger.Warn("audit refusal", "err", err)
	}
}

// GrantMembership gives a user a direct role in a workspace without any permission
// check. It is the primitive behind accepting an invitation, and lets tests set up
// teams; no interface exposes it.
func (s *Store) GrantMembership(ctx context.Context, workspaceID, userID string, role sb.Role) error {
	return s.update(ctx, func(t *tx) error { return t.grantMembership(ctx, workspaceID, userID, role) })
}

func (t *tx) grantMembership(ctx context.Context, workspaceID, userID string, role sb.Role) error {
	if !role.Valid() || role == sb.RoleOwner {
		return sb.Errorf(sb.ECodeValidation, "A membership needs a role other than owner.")
	}
	_, err := t.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		workspaceID, userID, string(role), t.now.UnixMicro())
	if isUniqueViolation(err) {
		return sb.Errorf(sb.ECodeAlreadyMember, "This person is already a member of the workspace.")
	}
	return err
}
