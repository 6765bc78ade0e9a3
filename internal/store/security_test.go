package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// A demoted admin does not keep admin through the API keys they made.
func TestLoweredRoleLowersKeys(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		owner, ws := signUp(t, s, "owner")
		p, _ := signUp(t, s, "pat")
		if err := s.GrantMembership(ctx, ws, p.UserID, sb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		keys := map[sb.Role]*sb.NewAPIKey{}
		for _, r := range []sb.Role{sb.RoleAdmin, sb.RoleManager, sb.RoleViewer} {
			k, err := s.CreateAPIKey(ctx, p, ws, sb.APIKeyInput{Name: string(r), Role: r})
			if err != nil {
				t.Fatal(err)
			}
			keys[r] = k
		}
		if _, err := s.ChangeRole(ctx, owner, ws, p.UserID, sb.RoleInput{Role: sb.RoleMember}); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListAPIKeys(ctx, owner, ws, sb.Page{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]sb.Role{"admin": sb.RoleMember, "manager": sb.RoleMember, "viewer": sb.RoleViewer}
		for _, k := range list {
			if k.Role != want[k.Name] {
				t.Errorf("key %q has role %s after its creator became member, want %s", k.Name, k.Role, want[k.Name])
			}
		}
		// The former admin key can no longer act as admin.
		if _, _, err := s.ListAPIKeys(ctx, apiKeyActor(t, s, keys[sb.RoleAdmin]), ws, sb.Page{}); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Fatalf("the demoted creator's key listed keys: %v", err)
		}
	})
}

func apiKeyActor(t *testing.T, s *store.Store, k *sb.NewAPIKey) sb.Actor {
	t.Helper()
	a, err := s.Authenticate(context.Background(), k.Key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Removing a member revokes the pending invitations they sent, and their mail.
func TestRemovedMemberInvitationsRevoked(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		c, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		owner, ws := setup(t, s, c.Addr())
		p, _ := signUp(t, s, "pat")
		if err := s.GrantMembership(ctx, ws, p.UserID, sb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		byP, err := s.CreateInvitation(ctx, p, ws, sb.InvitationInput{Email: "x@example.com", Role: sb.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		byOwner, err := s.CreateInvitation(ctx, owner, ws, sb.InvitationInput{Email: "y@example.com", Role: sb.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, owner, ws, p.UserID); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListInvitations(ctx, owner, ws, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range list {
			want := sb.InvitationPending
			if inv.ID == byP.ID {
				want = sb.InvitationRevoked
			}
			if inv.Status != want {
				t.Errorf("invitation to %s is %s, want %s", inv.Email, inv.Status, want)
			}
		}
		jobs, err := s.ClaimMail(ctx, 10, 60e9)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 1 || jobs[0].Invitation.To != "y@example.com" {
			t.Fatalf("mail still queued: %+v (want only the owner's invitation %s)", jobs, byOwner.ID)
		}
	})
}

// The stored SMTP password is never sent to a host, port or user it was not
// entered for.
func TestSMTPChangeNeedsPassword(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.Mail = transport() }}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		owner, ws := setup(t, s, "127.0.0.1:2525")
		base := sb.SMTPInput{Host: "127.0.0.1", Port: 2525, FromEmail: "team@example.com", Security: "none"}
		for name, in := range map[string]sb.SMTPInput{
			"host":     {Host: "127.0.0.2", Port: 2525, FromEmail: base.FromEmail, Security: "none"},
			"port":     {Host: base.Host, Port: 2526, FromEmail: base.FromEmail, Security: "none"},
			"username": {Host: base.Host, Port: 2525, Username: "eve", FromEmail: base.FromEmail, Security: "none"},
		} {
			_, err := s.PutSMTP(ctx, owner, ws, in)
			var e *sb.Error
			if !errors.As(err, &e) || e.Code != sb.ECodeValidation || len(e.Fields) != 1 || e.Fields[0].Location != "body.password" {
				t.Errorf("changing the %s without the password: %v, want validation_failed naming password", name, err)
			}
		}
		// Other fields may change without it; with it, anything may.
		same := base
		same.FromName = "Team"
		if _, err := s.PutSMTP(ctx, owner, ws, same); err != nil {
			t.Fatal(err)
		}
		pw := "new-password"
		moved := base
		moved.Port, moved.Password = 2526, &pw
		if _, err := s.PutSMTP(ctx, owner, ws, moved); err != nil {
			t.Fatal(err)
		}
	})
}

// An agency owner acts in a client that someone else owns as an admin, never as
// its owner.
func TestAgencyOwnerIsAdminInAClientOwnedByAnother(t *testing.T) {
	storetest.Each(t, storetest.Options{DefaultPlan: sb.PlanEnterprise}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		a, _ := signUp(t, s, "agnes")
		agency, err := s.CreateWorkspace(ctx, a, sb.CreateWorkspaceInput{Name: "Agency", Type: sb.WorkspaceAgency})
		if err != nil {
			t.Fatal(err)
		}
		client, err := s.CreateWorkspace(ctx, a, sb.CreateWorkspaceInput{Name: "Client", ParentID: &agency.ID})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := signUp(t, s, "bob")
		if err := s.GrantMembership(ctx, client.ID, b.UserID, sb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TransferOwnership(ctx, a, client.ID, sb.TransferInput{UserID: b.UserID}); err != nil {
			t.Fatal(err)
		}
		// The transfer left agnes a direct admin; take that away so only the agency
		// role remains.
		if err := s.RemoveMember(ctx, b, client.ID, a.UserID); err != nil {
			t.Fatal(err)
		}
		w, err := s.GetWorkspace(ctx, a, client.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Role != sb.RoleAdmin {
			t.Fatalf("the agency owner's role in the client is %s, want admin", w.Role)
		}
		name := "Renamed by the agency"
		if _, err := s.UpdateWorkspace(ctx, a, client.ID, sb.UpdateWorkspaceInput{Name: &name}); err != nil {
			t.Fatalf("admin work refused: %v", err)
		}
		if err := s.DeleteWorkspace(ctx, a, client.ID, false); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Errorf("delete: %v, want forbidden", err)
		}
		if _, err := s.TransferOwnership(ctx, a, client.ID, sb.TransferInput{UserID: a.UserID}); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Errorf("transfer: %v, want forbidden", err)
		}
		if _, err := s.PutWhiteLabel(ctx, a, client.ID, sb.WhiteLabelInput{BrandName: "Mine"}); sb.ErrorCode(err) != sb.ECodeForbidden {
			t.Errorf("white-label: %v, want forbidden", err)
		}
	})
}

// Password hashing runs in a bounded number of slots: beyond them, after a short
// wait, the answer is rate_limited with a Retry-After, and no hash is started.
func TestPasswordHashingIsBounded(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{Configure: func(c *store.Config) {
		c.PasswordHashers, c.PasswordHashWait = 2, 10*time.Millisecond
	}}, storetest.NewClock())
	ctx := context.Background()
	if _, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "olga@example.com", Password: "correct horse", Name: "Olga"}); err != nil {
		t.Fatal(err)
	}
	release := s.HoldHashSlotsForTest()
	for _, try := range []func() error{
		func() error {
			_, _, err := s.LogIn(ctx, sb.LoginInput{Email: "olga@example.com", Password: "wrong"})
			return err
		},
		func() error {
			_, _, err := s.LogIn(ctx, sb.LoginInput{Email: "nobody@example.com", Password: "wrong"})
			return err
		},
		func() error {
			_, _, err := s.SignUp(ctx, sb.SignUpInput{Email: "new@example.com", Password: "correct horse", Name: "New"})
			return err
		},
	} {
		var e *sb.Error
		if err := try(); !errors.As(err, &e) || e.Code != sb.ECodeRateLimited || e.RetryAfter < 1 {
			t.Fatalf("with every slot busy: %v, want rate_limited with a Retry-After", err)
		}
	}
	release()
	if _, _, err := s.LogIn(ctx, sb.LoginInput{Email: "olga@example.com", Password: "correct horse"}); err != nil {
		t.Fatalf("with the slots free: %v", err)
	}
}

// The tenant is told that an internal host is not allowed, not what it resolves to.
func TestSMTPRefusalDoesNotMapInternalNames(t *testing.T) {
	strict := mail.NewTransport(mail.TransportConfig{})
	s := storetest.Open(t, "sqlite", storetest.Options{Configure: func(c *store.Config) { c.Mail = strict }}, storetest.NewClock())
	actor, ws := signUp(t, s, "olga")
	_, err := s.PutSMTP(context.Background(), actor, ws, sb.SMTPInput{Host: "localhost", Port: 25, FromEmail: "a@example.com", Security: "none"})
	if sb.ErrorCode(err) != sb.ECodeValidation {
		t.Fatalf("%v, want validation_failed", err)
	}
	if msg := err.Error(); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "::1") || !strings.Contains(msg, "not allowed") {
		t.Fatalf("the refusal %q maps the name or does not say it is not allowed", msg)
	}
}
