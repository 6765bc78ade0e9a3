package switchboard

import (
	"context"
	"time"
)

// Member is one person's membership of a workspace, with the effective role.
type Member struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Inherited bool      `json:"inherited"`
	JoinedAt  time.Time `json:"joined_at"`
}

// RoleInput is the body of PATCH /workspaces/{ws}/members/{user_id}.
type RoleInput struct {
	Role Role `json:"role"`
}

// Validate checks that the role can be given: any role but owner.
func (in RoleInput) Validate() error {
	var v Validation
	switch {
	case in.Role == RoleOwner:
		v.Add("body.role", "The owner role cannot be given; the owner hands over with an ownership transfer.")
	case !in.Role.Valid():
		v.Add("body.role", "The role must be one of admin, manager, member or viewer.")
	}
	return v.Err()
}

// TransferInput is the body of POST /workspaces/{ws}/ownership.
type TransferInput struct {
	UserID string `json:"user_id"`
}

// MemberService manages memberships and ownership.
type MemberService interface {
	ListMembers(ctx context.Context, actor Actor, workspaceID string) ([]Member, error)
	ChangeRole(ctx context.Context, actor Actor, workspaceID, userID string, in RoleInput) (*Member, error)
	RemoveMember(ctx context.Context, actor Actor, workspaceID, userID string) error
	TransferOwnership(ctx context.Context, actor Actor, workspaceID string, in TransferInput) (*Workspace, error)
}
