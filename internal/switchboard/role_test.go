package switchboard

import "testing"

// TestPermissionTableMatchesDesign spells out design/permissions.md row by row: the
// lowest role allowed each action. A change to the table must change this test.
func TestPermissionTableMatchesDesign(t *testing.T) {
	want := map[Action]Role{
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
	if len(want) != int(actionCount) {
		t.Fatalf("test covers %d actions, table has %d", len(want), actionCount)
	}
	roles := []Role{RoleViewer, RoleMember, RoleManager, RoleAdmin, RoleOwner}
	for action, min := range want {
		for _, r := range roles {
			err := Authorize(r, action)
			allowed := r.Rank() >= min.Rank()
			if allowed && err != nil {
				t.Errorf("action %d: %s refused: %v", action, r, err)
			}
			if !allowed && ErrorCode(err) != ECodeForbidden {
				t.Errorf("action %d: %s got %v, want forbidden", action, r, err)
			}
		}
		if ErrorCode(Authorize(RoleNone, action)) != ECodeNotFound {
			t.Errorf("action %d: a non-member must get not_found", action)
		}
	}
}

func TestHigher(t *testing.T) {
	if Higher(RoleViewer, RoleAdmin) != RoleAdmin || Higher(RoleManager, RoleNone) != RoleManager {
		t.Fatal("Higher picks the wrong role")
	}
}

// The permission check's refusals allocate nothing (issue 15), and say the same as
// before: not_found for no role, forbidden with the roles that may.
func TestAuthorizeRefusalAllocatesNothing(t *testing.T) {
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		err = Authorize(RoleNone, ActionViewResources)
		err = Authorize(RoleViewer, ActionEditContacts)
		err = Authorize(RoleAdmin, ActionOwn)
	})
	if allocs != 0 {
		t.Fatalf("a refusal allocates %.0f times, want 0", allocs)
	}
	if ErrorCode(err) != ECodeForbidden || ErrorMessage(err) != "Only the workspace's owner can do this; you are an admin." {
		t.Fatalf("Authorize(admin, own) = %v", err)
	}
	if err := Authorize(RoleNone, ActionViewResources); ErrorCode(err) != ECodeNotFound || ErrorMessage(err) != "Workspace not found." {
		t.Fatalf("Authorize(none, view) = %v", err)
	}
	if err := Authorize(RoleViewer, ActionEditContacts); ErrorCode(err) != ECodeForbidden ||
		ErrorMessage(err) != "Only managers, admins or owners can do this; you are a viewer. Ask an admin or the owner for a higher role." {
		t.Fatalf("Authorize(viewer, edit contacts) = %v", err)
	}
}
