package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// insertWorkspace writes a workspace row and its owner's membership.
func (t *tx) insertWorkspace(ctx context.Context, w *wsRow, ownerID string) error {
	w.CreatedAt = t.now.UnixMicro()
	if _, err := t.exec(ctx, `INSERT INTO workspaces (`+wsColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL)`,
		w.ID, w.AccountID, w.ParentID, w.Type, w.Name, w.Description, w.MinuteBudget, w.CreatedAt); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)`,
		w.ID, ownerID, w.CreatedAt)
	return err
}

// accountRow is an account as stored.
type accountRow struct {
	ID             string
	Name           string
	OwnerID        string
	Plan           string
	BalanceSeconds int64
	CreatedAt      int64
}

func (t *tx) loadAccount(ctx context.Context, id string, lock bool) (*accountRow, error) {
	var a accountRow
	err := t.queryRow(ctx, `SELECT id, name, owner_id, plan, balance_seconds, created_at FROM accounts WHERE id = ?`+t.lockIf(lock), id).
		Scan(&a.ID, &a.Name, &a.OwnerID, &a.Plan, &a.BalanceSeconds, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Account")
	}
	return &a, err
}

func (t *tx) lockIf(lock bool) string {
	if lock {
		return t.forUpdate()
	}
	return ""
}

// checkWorkspaceLimit refuses a change that would leave more live workspaces than
// the account's plan allows.
func (t *tx) checkWorkspaceLimit(ctx context.Context, a *accountRow, adding int) error {
	limits := t.s.cfg.Plans[a.Plan]
	if limits.MaxWorkspaces == nil {
		return nil
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM workspaces WHERE account_id = ? AND deleted_at IS NULL`, a.ID).Scan(&n); err != nil {
		return err
	}
	if n+adding > *limits.MaxWorkspaces {
		return sb.Errorf(sb.ECodePlanLimitReached, "The %s plan allows %d workspace(s) and this account has %d; upgrade the plan or delete a workspace first.", a.Plan, *limits.MaxWorkspaces, n)
	}
	return nil
}

// CreateWorkspace creates a workspace in an account the actor owns, or a client
// sub-workspace of an agency where the actor is admin or owner.
func (s *Store) CreateWorkspace(ctx context.Context, actor sb.Actor, in sb.CreateWorkspaceInput) (*sb.Workspace, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.Workspace
	err := s.update(ctx, func(t *tx) error {
		var account *accountRow
		w := &wsRow{ID: secret.NewID("ws", t.now), Type: in.Type, Name: in.Name, Description: in.Description}
		if in.ParentID != nil {
			if actor.IsAPIKey() {
				// A key acts only in its own workspace, so it could not reach the
				// client it made: creating workspaces is for people.
				return sb.Errorf(sb.ECodeForbidden, "API keys cannot create workspaces; sign in as an admin of the agency.")
			}
			parent, _, err := t.access(ctx, actor, *in.ParentID, sb.ActionCreateClients, true)
			if err != nil {
				return err
			}
			if parent.Type != sb.WorkspaceAgency {
				return &sb.Error{Code: sb.ECodeValidation, Message: "Client sub-workspaces can only be created under an agency workspace.",
					Fields: []sb.FieldError{{Location: "body.parent_id", Message: "This workspace is not an agency."}}}
			}
			if in.AccountID != nil && *in.AccountID != parent.AccountID {
				return &sb.Error{Code: sb.ECodeValidation, Message: "A client sub-workspace belongs to its agency's account.",
					Fields: []sb.FieldError{{Location: "body.account_id", Message: "Leave account_id out or use the agency's account."}}}
			}
			if account, err = t.loadAccount(ctx, parent.AccountID, true); err != nil {
				return err
			}
			if !s.cfg.Plans[account.Plan].Agency {
				return sb.Errorf(sb.ECodePlanRequired, "Agency workspaces and their clients need the enterprise plan; this account is on %s.", account.Plan)
			}
			w.ParentID = sql.NullString{String: parent.ID, Valid: true}
		} else {
			if actor.IsAPIKey() {
				return sb.Errorf(sb.ECodeForbidden, "API keys cannot create workspaces; sign in as the account owner.")
			}
			var err error
			if account, err = t.actorAccount(ctx, actor, in.AccountID); err != nil {
				return err
			}
			if in.Type == sb.WorkspaceAgency && !s.cfg.Plans[account.Plan].Agency {
				return sb.Errorf(sb.ECodePlanRequired, "Agency workspaces are available on the enterprise plan; this account is on %s.", account.Plan)
			}
		}
		w.AccountID = account.ID
		if err := t.checkWorkspaceLimit(ctx, account, 1); err != nil {
			return err
		}
		if in.MinuteBudget != nil {
			if actor.UserID != account.OwnerID || actor.IsAPIKey() {
				return sb.Errorf(sb.ECodeForbidden, "Only the account owner can assign a minute budget; create the workspace without one and ask the owner.")
			}
			w.MinuteBudget = sql.NullInt64{Int64: *in.MinuteBudget, Valid: true}
			if err := t.checkMinutes(ctx, account, w); err != nil {
				return err
			}
		}
		if err := t.insertWorkspace(ctx, w, account.OwnerID); err != nil {
			return err
		}
		details := map[string]any{"name": w.Name, "type": w.Type}
		if in.MinuteBudget != nil {
			details["minute_budget"] = *in.MinuteBudget
		}
		if w.ParentID.Valid {
			details["parent_id"] = w.ParentID.String
		}
		if err := t.audit(ctx, actor, w.ID, account.ID, "workspace.created", w.ID, details); err != nil {
			return err
		}
		role, err := t.roleIn(ctx, actor, w)
		if err != nil {
			return err
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	return out, err
}

// actorAccount returns the account a new top-level workspace goes in: the one named,
// which the actor must own, or the only one the actor owns.
func (t *tx) actorAccount(ctx context.Context, actor sb.Actor, accountID *string) (*accountRow, error) {
	if accountID != nil {
		a, err := t.loadAccount(ctx, *accountID, true)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != actor.UserID {
			return nil, sb.NotFound("Account")
		}
		return a, nil
	}
	rows, err := t.query(ctx, `SELECT id FROM accounts WHERE owner_id = ? ORDER BY id`, actor.UserID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch len(ids) {
	case 0:
		return nil, sb.Errorf(sb.ECodeForbidden, "Only an account owner can create workspaces; ask your account owner, or sign up for your own account.")
	case 1:
		return t.loadAccount(ctx, ids[0], true)
	}
	return nil, &sb.Error{Code: sb.ECodeValidation, Message: "You own several accounts; say which one with account_id.",
		Fields: []sb.FieldError{{Location: "body.account_id", Message: "Required when you own more than one account."}}}
}

// ListWorkspaces returns every live workspace the actor has a role in.
func (s *Store) ListWorkspaces(ctx context.Context, actor sb.Actor) ([]sb.Workspace, error) {
	var out []sb.Workspace
	err := s.view(ctx, func(t *tx) error {
		var err error
		out, err = t.listWorkspaces(ctx, actor)
		return err
	})
	return out, err
}

func (t *tx) listWorkspaces(ctx context.Context, actor sb.Actor) ([]sb.Workspace, error) {
	out := []sb.Workspace{}
	if actor.IsAPIKey() {
		w, role, err := t.access(ctx, actor, actor.APIKeyWorkspaceID, sb.ActionViewWorkspace, false)
		if err != nil {
			return out, nil
		}
		v, err := t.workspaceView(ctx, w, role)
		if err != nil {
			return nil, err
		}
		return append(out, *v), nil
	}
	byID := map[string]*sb.Workspace{}
	// First the direct memberships, then the clients of agencies the actor is a
	// member of, each with the role that comes from the agency.
	for i, q := range []string{
		`SELECT ` + wsColumnsW + `, m.role, o.user_id
		FROM memberships m
		JOIN workspaces w ON w.id = m.workspace_id
		JOIN memberships o ON o.workspace_id = w.id AND o.role = 'owner'
		WHERE m.user_id = ? AND w.deleted_at IS NULL`,
		`SELECT ` + wsColumnsC + `, m.role, o.user_id
		FROM memberships m
		JOIN workspaces c ON c.parent_id = m.workspace_id
		JOIN memberships o ON o.workspace_id = c.id AND o.role = 'owner'
		WHERE m.user_id = ? AND c.deleted_at IS NULL`,
	} {
		inherited := i == 1
		rows, err := t.query(ctx, q, actor.UserID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var w wsRow
			var role, owner string
			if err := rows.Scan(&w.ID, &w.AccountID, &w.ParentID, &w.Type, &w.Name, &w.Description, &w.MinuteBudget, &w.SecondsUsed, &w.CreatedAt, &w.DeletedAt, &role, &owner); err != nil {
				rows.Close()
				return nil, err
			}
			r := sb.Role(role)
			if inherited {
				r = inheritedRole(r)
			}
			if prev, ok := byID[w.ID]; ok {
				prev.Role = sb.Higher(prev.Role, r)
				continue
			}
			byID[w.ID] = &sb.Workspace{ID: w.ID, AccountID: w.AccountID, Name: w.Name, Type: w.Type, Description: w.Description,
				ParentID: stringPtr(w.ParentID), OwnerID: owner, Role: r, MinuteBudget: int64Ptr(w.MinuteBudget),
				SecondsUsed: w.SecondsUsed, CreatedAt: toTime(w.CreatedAt)}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, w := range byID {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// GetWorkspace returns a workspace the actor can see; its owner also sees it for 30
// days after deletion.
func (s *Store) GetWorkspace(ctx context.Context, actor sb.Actor, id string) (*sb.Workspace, error) {
	var out *sb.Workspace
	err := s.view(ctx, func(t *tx) error {
		w, role, err := t.accessAny(ctx, actor, id, sb.ActionViewWorkspace, false)
		if err != nil {
			return err
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	return out, err
}

// UpdateWorkspace renames a workspace or edits its description.
func (s *Store) UpdateWorkspace(ctx context.Context, actor sb.Actor, id string, in sb.UpdateWorkspaceInput) (*sb.Workspace, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.Workspace
	err := s.update(ctx, func(t *tx) error {
		w, role, err := t.access(ctx, actor, id, sb.ActionEditWorkspace, true)
		if err != nil {
			return err
		}
		details := map[string]any{}
		if in.Name != nil && *in.Name != w.Name {
			details["name"] = map[string]string{"before": w.Name, "after": *in.Name}
			w.Name = *in.Name
		}
		if in.Description != nil && *in.Description != w.Description {
			details["description"] = map[string]string{"before": w.Description, "after": *in.Description}
			w.Description = *in.Description
		}
		if len(details) > 0 {
			if _, err := t.exec(ctx, `UPDATE workspaces SET name = ?, description = ? WHERE id = ?`, w.Name, w.Description, w.ID); err != nil {
				return err
			}
			if err := t.audit(ctx, actor, w.ID, w.AccountID, "workspace.updated", w.ID, details); err != nil {
				return err
			}
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	return out, err
}

// DeleteWorkspace soft-deletes a workspace (and, with cascade, an agency's clients).
func (s *Store) DeleteWorkspace(ctx context.Context, actor sb.Actor, id string, cascade bool) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, id, sb.ActionOwn, true)
		if err != nil {
			return err
		}
		var clients int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM workspaces WHERE parent_id = ? AND deleted_at IS NULL`, w.ID).Scan(&clients); err != nil {
			return err
		}
		if clients > 0 && !cascade {
			return sb.Errorf(sb.ECodeHasClients, "This agency still has %d client sub-workspace(s); delete them first, or delete with ?cascade=true to delete them too.", clients)
		}
		now := t.now.UnixMicro()
		if _, err := t.exec(ctx, `UPDATE workspaces SET deleted_at = ? WHERE (id = ? OR parent_id = ?) AND deleted_at IS NULL`, now, w.ID, w.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "workspace.deleted", w.ID, map[string]any{"cascade": cascade, "clients_deleted": clients})
	})
}

// RestoreWorkspace brings back a workspace deleted less than 30 days ago, with the
// clients that were deleted along with it.
func (s *Store) RestoreWorkspace(ctx context.Context, actor sb.Actor, id string) (*sb.Workspace, error) {
	var out *sb.Workspace
	err := s.update(ctx, func(t *tx) error {
		w, role, err := t.accessAny(ctx, actor, id, sb.ActionOwn, true)
		if err != nil {
			return err
		}
		if !w.DeletedAt.Valid {
			return sb.Errorf(sb.ECodeInvalidState, "This workspace is not deleted; there is nothing to restore.")
		}
		if w.ParentID.Valid {
			parent, err := t.loadWorkspace(ctx, w.ParentID.String, false)
			if err != nil {
				return err
			}
			if parent.DeletedAt.Valid {
				return sb.Errorf(sb.ECodeInvalidState, "This client's agency is deleted; restore the agency first.")
			}
		}
		var restoring int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM workspaces WHERE (id = ? OR parent_id = ?) AND deleted_at = ?`, w.ID, w.ID, w.DeletedAt.Int64).Scan(&restoring); err != nil {
			return err
		}
		account, err := t.loadAccount(ctx, w.AccountID, true)
		if err != nil {
			return err
		}
		if err := t.checkWorkspaceLimit(ctx, account, restoring); err != nil {
			return err
		}
		beforeUnalloc, beforeShort, err := t.minuteState(ctx, account)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE workspaces SET deleted_at = NULL WHERE (id = ? OR parent_id = ?) AND deleted_at = ?`, w.ID, w.ID, w.DeletedAt.Int64); err != nil {
			return err
		}
		if err := t.checkRestoredMinutes(ctx, account, beforeUnalloc, beforeShort); err != nil {
			return err
		}
		w.DeletedAt = sql.NullInt64{}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "workspace.restored", w.ID, map[string]any{"workspaces_restored": restoring}); err != nil {
			return err
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	return out, err
}

// ListClients lists an agency's live client sub-workspaces.
func (s *Store) ListClients(ctx context.Context, actor sb.Actor, id string) ([]sb.Workspace, error) {
	out := []sb.Workspace{}
	err := s.view(ctx, func(t *tx) error {
		w, agencyRole, err := t.access(ctx, actor, id, sb.ActionViewWorkspace, false)
		if err != nil {
			return err
		}
		if w.Type != sb.WorkspaceAgency {
			return nil // only agencies have clients
		}
		// One query for the clients, their owners and the caller's direct roles there.
		rows, err := t.query(ctx, `SELECT `+wsColumnsC+`, o.user_id, m.role
			FROM workspaces c
			JOIN memberships o ON o.workspace_id = c.id AND o.role = 'owner'
			LEFT JOIN memberships m ON m.workspace_id = c.id AND m.user_id = ?
			WHERE c.parent_id = ? AND c.deleted_at IS NULL ORDER BY c.id`, actor.UserID, w.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c wsRow
			var owner string
			var direct sql.NullString
			if err := rows.Scan(&c.ID, &c.AccountID, &c.ParentID, &c.Type, &c.Name, &c.Description, &c.MinuteBudget, &c.SecondsUsed, &c.CreatedAt, &c.DeletedAt, &owner, &direct); err != nil {
				return err
			}
			// An API key acts only in its own workspace: it has no role in the clients.
			role := sb.RoleNone
			if !actor.IsAPIKey() {
				role = sb.Higher(sb.Role(direct.String), inheritedRole(agencyRole))
			}
			out = append(out, sb.Workspace{ID: c.ID, AccountID: c.AccountID, Name: c.Name, Type: c.Type, Description: c.Description,
				ParentID: stringPtr(c.ParentID), OwnerID: owner, Role: role, MinuteBudget: int64Ptr(c.MinuteBudget),
				SecondsUsed: c.SecondsUsed, CreatedAt: toTime(c.CreatedAt)})
		}
		return rows.Err()
	})
	return out, err
}

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// wsColumns qualified with the aliases the listing queries use.
var (
	wsColumnsW = prefixed("w", wsColumns)
	wsColumnsC = prefixed("c", wsColumns)
)
