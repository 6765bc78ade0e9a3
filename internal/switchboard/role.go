package switchboard

import (
	"fmt"
	"strings"
)

// Role is a member's role in a workspace. Roles are hierarchical.
type Role string

const (
	RoleNone    Role = ""
	RoleViewer  Role = "viewer"
	RoleMember  Role = "member"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
	RoleOwner   Role = "owner"
)

var roleRank = map[Role]int{RoleViewer: 1, RoleMember: 2, RoleManager: 3, RoleAdmin: 4, RoleOwner: 5}

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Rank orders roles: 0 for none, 5 for owner.
func (r Role) Rank() int { return roleRank[r] }

// AtLeast reports whether r includes every permission of o.
func (r Role) AtLeast(o Role) bool { return r.Rank() >= o.Rank() && r.Valid() }

// Higher returns the higher of two roles (the effective role of agency inheritance).
func Higher(a, b Role) Role {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Action is one row of the permission table (design/permissions.md).
type Action int

const (
	ActionViewWorkspace      Action = iota // see the workspace, its members, dashboards and analytics
	ActionBrowseCalls                      // browse call history (call metadata)
	ActionReadConversations                // read conversations (transcripts, recordings)
	ActionViewResources                    // see assistants, workflows, campaigns, contacts
	ActionUseCampaigns                     // start, pause, resume, stop campaigns
	ActionEditCampaigns                    // create, edit, delete campaigns
	ActionEditContacts                     // create, edit, delete contacts; import CSV; apply tags
	ActionEditAssistants                   // create, edit, delete assistants
	ActionEditWorkflows                    // edit and deploy workflows
	ActionManageMembers                    // invite, resend, revoke, remove, change roles
	ActionManageIntegrations               // SMTP credentials
	ActionAdminister                       // API keys, audit log, report calls
	ActionEditWorkspace                    // rename, edit description
	ActionCreateClients                    // create client sub-workspaces (agency only)
	ActionBilling                          // minute budgets, usage, purchases
	ActionWhiteLabel                       // white-label settings
	ActionOwn                              // delete or restore the workspace; transfer ownership
	actionCount
)

// permissionTable is design/permissions.md: the lowest role allowed each action.
var permissionTable = [actionCount]Role{
	ActionViewWorkspace:      RoleViewer,
	ActionBrowseCalls:        RoleViewer,
	ActionReadConversations:  RoleMember,
	ActionViewResources:      RoleMember,
	ActionUseCampaigns:       RoleMember,
	ActionEditCampaigns:      RoleManager,
	ActionEditContacts:       RoleManager,
	ActionEditAssistants:     RoleAdmin,
	ActionEditWorkflows:      RoleAdmin,
	ActionManageMembers:      RoleAdmin,
	ActionManageIntegrations: RoleAdmin,
	ActionAdminister:         RoleAdmin,
	ActionEditWorkspace:      RoleAdmin,
	ActionCreateClients:      RoleAdmin,
	ActionBilling:            RoleOwner,
	ActionWhiteLabel:         RoleOwner,
	ActionOwn:                RoleOwner,
}

// MinRole returns the lowest role that may perform a.
func MinRole(a Action) Role { return permissionTable[a] }

// Authorize answers "may a caller with this role do this action?". A caller with no
// role gets not_found (a workspace's existence is not revealed); a role too low gets
// forbidden.
//
// Its refusals are made once (the errors are shared and never changed), so that the
// refusal path allocates nothing: the console asks it for every menu entry, and a
// denied request should cost no more than an allowed one.
func Authorize(role Role, a Action) error {
	if !role.Valid() {
		return errNoWorkspace
	}
	need := permissionTable[a]
	if !role.AtLeast(need) {
		return forbidden[role.Rank()][need.Rank()]
	}
	return nil
}

var (
	errNoWorkspace = NotFound("Workspace")
	// forbidden[have][need], by rank: the refusal of a role below the one needed.
	forbidden = func() (f [6][6]*Error) {
		roles := []Role{RoleViewer, RoleMember, RoleManager, RoleAdmin, RoleOwner}
		for _, have := range roles {
			for _, need := range roles {
				if !have.AtLeast(need) {
					f[have.Rank()][need.Rank()] = Errorf(ECodeForbidden, "%s", forbiddenMessage(have, need))
				}
			}
		}
		return f
	}()
)

// forbiddenMessage says, in words, which roles may do what a role may not.
func forbiddenMessage(have, need Role) string {
	if need == RoleOwner {
		return fmt.Sprintf("Only the workspace's owner can do this; you are %s.", withArticle(string(have)))
	}
	var allowed []string
	for _, r := range []Role{RoleViewer, RoleMember, RoleManager, RoleAdmin, RoleOwner} {
		if r.AtLeast(need) {
			allowed = append(allowed, string(r))
		}
	}
	last := len(allowed) - 1
	list := strings.Join(allowed[:last], ", ") + " or " + allowed[last]
	return fmt.Sprintf("Only %s can do this; you are %s. Ask an admin or the owner for a higher role.", plural(list), withArticle(string(have)))
}

func withArticle(role string) string {
	if strings.IndexByte("aeiou", role[0]) >= 0 {
		return "an " + role
	}
	return "a " + role
}

// plural turns "manager, admin or owner" into "managers, admins or owners".
func plural(list string) string {
	return strings.NewReplacer("viewer", "viewers", "member", "members", "manager", "managers", "admin", "admins", "owner", "owners").Replace(list)
}
