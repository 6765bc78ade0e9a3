package store_test

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestResourcesAPIKeyActors checks the permission table for API-key actors, which
// act only in their one workspace with their one role.
func TestResourcesAPIKeyActors(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		ws := func(email string) (sb.Actor, string) {
			u, _, err := s.SignUp(ctx, sb.SignUpInput{Email: email, Password: "correct horse", Name: "X"})
			if err != nil {
				t.Fatal(err)
			}
			actor := sb.Actor{UserID: u.ID, Email: email}
			list, err := s.ListWorkspaces(ctx, actor)
			if err != nil || len(list) != 1 {
				t.Fatalf("workspaces: %v %v", list, err)
			}
			return actor, list[0].ID
		}
		owner, wsA := ws("a@example.com")
		_, wsB := ws("b@example.com")
		name := "Caller"
		ast, err := s.CreateAssistant(ctx, owner, wsA, sb.AssistantInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		key := func(ws string, role sb.Role) sb.Actor {
			return sb.Actor{APIKeyID: "key_" + string(role), APIKeyWorkspaceID: ws, APIKeyRole: role}
		}
		code := func(err error) string {
			if err == nil {
				return ""
			}
			return sb.ErrorCode(err)
		}
		// A member key reads but cannot create; an admin key creates; a key of
		// another workspace does not see this one at all.
		if _, err := s.GetAssistant(ctx, key(wsA, sb.RoleMember), wsA, ast.ID); err != nil {
			t.Fatalf("member key read: %v", err)
		}
		if _, err := s.CreateAssistant(ctx, key(wsA, sb.RoleMember), wsA, sb.AssistantInput{Name: &name}); code(err) != sb.ECodeForbidden {
			t.Fatalf("member key create: %v", err)
		}
		if _, err := s.CreateAssistant(ctx, key(wsA, sb.RoleAdmin), wsA, sb.AssistantInput{Name: &name}); err != nil {
			t.Fatalf("admin key create: %v", err)
		}
		if _, err := s.GetAssistant(ctx, key(wsB, sb.RoleAdmin), wsA, ast.ID); code(err) != sb.ECodeNotFound {
			t.Fatalf("other workspace's key: %v", err)
		}
		if _, _, err := s.ListCampaigns(ctx, key(wsA, sb.RoleViewer), wsA, sb.Page{Limit: 10}); code(err) != sb.ECodeForbidden {
			t.Fatalf("viewer key lists campaigns: %v", err)
		}
		// A deploy by a key records the key as the deployer.
		wf, err := s.CreateWorkflow(ctx, owner, wsA, sb.WorkflowInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.DeployWorkflow(ctx, key(wsA, sb.RoleAdmin), wsA, wf.ID)
		if err != nil || v.DeployedBy != "key_admin" || v.Version != 1 {
			t.Fatalf("deploy by key: %+v %v", v, err)
		}
		// Through a workspace where the caller has no role, the workflow is not found.
		if _, err := s.ListWorkflowVersions(ctx, owner, wsB, wf.ID); code(err) != sb.ECodeNotFound {
			t.Fatalf("versions through another workspace: %v", err)
		}
	})
}
