package store

import (
	"context"
	"database/sql"
	"errors"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// wsRow is a workspace as stored.
type wsRow struct {
	ID           string
	AccountID    string
	ParentID     sql.NullString
	Type         string
	Name         string
	Description  string
	MinuteBudget sql.NullInt64
	SecondsUsed  int64
	CreatedAt    int64
	DeletedAt    sql.NullInt64
}

const wsColumns = `id, account_id, parent_id, type, name, description, minute_budget, seconds_used, created_at, deleted_at`

func scanWorkspace(sc interface{ Scan(...any) error }) (*wsRow, error) {
	var w wsRow
	err := sc.Scan(&w.ID, &w.AccountID, &w.ParentID, &w.Type, &w.Name, &w.Description, &w.MinuteBudget, &w.SecondsUsed, &w.CreatedAt, &w.DeletedAt)
	return &w, err
}

// loadWorkspace reads one workspace, deleted or not; lock takes its row lock.
func (t *tx) loadWorkspace(ctx context.Context, id string, lock bool) (*wsRow, error) {
	q := `SELECT ` + wsColumns + ` FROM workspaces WHERE id = ?`
	if lock {
		// The lock order (docs/hardening.md): the account first, then the workspace.
		if err := t.lockAccountOf(ctx, id); err != nil {
			return nil, err
		}
		q += t.forUpdate()
	}
	w, err := scanWorkspace(t.hotQueryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Workspace")
	}
	return w, err
}

// workspaceAndRole is loadWorkspace (unlocked) and directRole in one statement.
func (t *tx) workspaceAndRole(ctx context.Context, id, userID string) (*wsRow, sb.Role, error) {
	var role sql.NullString
	w, err := scanWorkspace(scanAlso{t.hotQueryRow(ctx, `SELECT `+wsColumns+`,
		(SELECT role FROM memberships m WHERE m.workspace_id = workspaces.id AND m.user_id = ?) FROM workspaces WHERE id = ?`,
		userID, id), []any{&role}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.RoleNone, sb.NotFound("Workspace")
	}
	return w, sb.Role(role.String), err
}

// scanAlso scans a row's further columns into also, after the caller's.
type scanAlso struct {
	sc   interface{ Scan(...any) error }
	also []any
}

func (s scanAlso) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.also...)...) }

// directRole returns a user's own role in a workspace, or none.
func (t *tx) directRole(ctx context.Context, workspaceID, userID string) (sb.Role, error) {
	var role string
	err := t.hotQueryRow(ctx, `SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return sb.RoleNone, nil
	}
	return sb.Role(role), err
}

// inheritedRole caps a role carried from an agency into its clients: the agency's
// owner acts there as an admin unless they own the client too, so that each
// workspace keeps exactly one owner.
func inheritedRole(r sb.Role) sb.Role {
	if r == sb.RoleOwner {
		return sb.RoleAdmin
	}
	return r
}

// roleIn returns the actor's effective role in w: an API key's own role in its one
// workspace; for a user, the higher of the direct role and the role inherited from
// the agency.
func (t *tx) roleIn(ctx context.Context, actor sb.Actor, w *wsRow) (sb.Role, error) {
	if actor.IsAPIKey() {
		if actor.APIKeyWorkspaceID != w.ID {
			return sb.RoleNone, nil
		}
		return actor.APIKeyRole, nil
	}
	if actor.UserID == "" {
		return sb.RoleNone, nil
	}
	role, err := t.directRole(ctx, w.ID, actor.UserID)
	if err != nil {
		return sb.RoleNone, err
	}
	if w.ParentID.Valid {
		parentRole, err := t.directRole(ctx, w.ParentID.String, actor.UserID)
		if err != nil {
			return sb.RoleNone, err
		}
		role = sb.Higher(role, inheritedRole(parentRole))
	}
	return role, nil
}

// access is the one gate of every workspace operation: it loads the workspace,
// works out the actor's current role from the database, and asks the permission
// table. Deleted workspaces are not found, except by their owner through
// accessDeleted. lock takes the workspace's row lock for changes that must not
// interleave (members, ownership, budgets).
func (t *tx) access(ctx context.Context, actor sb.Actor, workspaceID string, action sb.Action, lock bool) (*wsRow, sb.Role, error) {
	w, role, err := t.accessAny(ctx, actor, workspaceID, action, lock)
	if err != nil {
		return nil, role, err
	}
	if w.DeletedAt.Valid {
		return nil, sb.RoleNone, sb.NotFound("Workspace")
	}
	return w, role, nil
}

// accessAny is access that also lets the owner reach a deleted workspace within its
// retention period.
func (t *tx) accessAny(ctx context.Context, actor sb.Actor, workspaceID string, action sb.Action, lock bool) (*wsRow, sb.Role, error) {
	var w *wsRow
	var role sb.Role
	var err error
	if !lock && !actor.IsAPIKey() && actor.UserID != "" {
		// A user's read or unlocked change: the workspace and the user's own role
		// in it in one statement (one round trip on PostgreSQL).
		w, role, err = t.workspaceAndRole(ctx, workspaceID, actor.UserID)
		if err == nil && w.ParentID.Valid {
			var parentRole sb.Role
			if parentRole, err = t.directRole(ctx, w.ParentID.String, actor.UserID); err == nil {
				role = sb.Higher(role, inheritedRole(parentRole))
			}
		}
	} else if w, err = t.loadWorkspace(ctx, workspaceID, lock); err == nil {
		role, err = t.roleIn(ctx, actor, w)
	}
	if err != nil {
		return nil, sb.RoleNone, err
	}
	if w.DeletedAt.Valid {
		expired := t.now.Sub(toTime(w.DeletedAt.Int64)) > sb.DeletedRetention
		if role != sb.RoleOwner || expired {
			return nil, sb.RoleNone, sb.NotFound("Workspace")
		}
	}
	if err := sb.Authorize(role, action); err != nil {
		return nil, role, err
	}
	return w, role, nil
}

// ownerOf returns the user id of a workspace's owner.
func (t *tx) ownerOf(ctx context.Context, workspaceID string) (string, error) {
	var id string
	err := t.queryRow(ctx, `SELECT user_id FROM memberships WHERE workspace_id = ? AND role = 'owner'`, workspaceID).Scan(&id)
	return id, err
}

// workspaceView turns a row into the API's workspace for an actor with role.
func (t *tx) workspaceView(ctx context.Context, w *wsRow, role sb.Role) (*sb.Workspace, error) {
	owner, err := t.ownerOf(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	return &sb.Workspace{
		ID: w.ID, AccountID: w.AccountID, Name: w.Name, Type: w.Type, Description: w.Description,
		ParentID: stringPtr(w.ParentID), OwnerID: owner, Role: role,
		MinuteBudget: int64Ptr(w.MinuteBudget), SecondsUsed: w.SecondsUsed,
		CreatedAt: toTime(w.CreatedAt), DeletedAt: toTimePtr(w.DeletedAt),
	}, nil
}
