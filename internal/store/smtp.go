package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// smtpRow is a workspace's mail server as stored; the password stays sealed.
type smtpRow struct {
	WorkspaceID string
	Host        string
	Port        int
	Username    string
	PasswordEnc string
	FromEmail   string
	FromName    string
	Security    string
	UpdatedAt   int64
}

// ownSMTP returns a workspace's own settings, or nil.
func (t *tx) ownSMTP(ctx context.Context, workspaceID string) (*smtpRow, error) {
	var r smtpRow
	err := t.queryRow(ctx, `SELECT workspace_id, host, port, username, password_enc, from_email, from_name, security, updated_at
		FROM smtp_settings WHERE workspace_id = ?`, workspaceID).
		Scan(&r.WorkspaceID, &r.Host, &r.Port, &r.Username, &r.PasswordEnc, &r.FromEmail, &r.FromName, &r.Security, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// effectiveSMTP returns the settings mail from w goes through: its own, else for a
// client sub-workspace its agency's (inherited); nil when there are none.
func (t *tx) effectiveSMTP(ctx context.Context, w *wsRow) (*smtpRow, bool, error) {
	r, err := t.ownSMTP(ctx, w.ID)
	if err != nil || r != nil {
		return r, false, err
	}
	if !w.ParentID.Valid {
		return nil, false, nil
	}
	r, err = t.ownSMTP(ctx, w.ParentID.String)
	return r, r != nil, err
}

func (r *smtpRow) view(inherited bool) *sb.SMTPSettings {
	return &sb.SMTPSettings{Host: r.Host, Port: r.Port, Username: r.Username, FromEmail: r.FromEmail, FromName: r.FromName,
		Security: r.Security, PasswordSet: r.PasswordEnc != "", Inherited: inherited, UpdatedAt: toTime(r.UpdatedAt)}
}

// server opens the sealed password.
func (t *tx) server(r *smtpRow) (*sb.SMTPServer, error) {
	pw := ""
	if r.PasswordEnc != "" {
		var err error
		if pw, err = secret.Unseal(t.s.cfg.SecretKey, r.PasswordEnc); err != nil {
			return nil, fmt.Errorf("store: SMTP password of %s: %w", r.WorkspaceID, err)
		}
	}
	return &sb.SMTPServer{Host: r.Host, Port: r.Port, Username: r.Username, Password: pw,
		FromEmail: r.FromEmail, FromName: r.FromName, Security: r.Security}, nil
}

func smtpNotConfigured(workspaceID string) error {
	return sb.Errorf(sb.ECodeSMTPNotConfigured, "This workspace has no mail server to send invitations with; an admin can set one up in the console under Settings → Integrations (/w/%s/settings/integrations) or with PUT /api/v1/workspaces/%s/integrations/smtp.", workspaceID, workspaceID)
}

// GetSMTP returns the workspace's mail server settings without the password.
func (s *Store) GetSMTP(ctx context.Context, actor sb.Actor, workspaceID string) (*sb.SMTPSettings, error) {
	var out *sb.SMTPSettings
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		r, inherited, err := t.effectiveSMTP(ctx, w)
		if err != nil {
			return err
		}
		if r == nil {
			return sb.NotFound("SMTP settings")
		}
		out = r.view(inherited)
		return nil
	})
	return out, err
}

// PutSMTP sets the workspace's mail server. A missing password keeps the stored
// one. Hosts that resolve to internal addresses are refused.
func (s *Store) PutSMTP(ctx context.Context, actor sb.Actor, workspaceID string, in sb.SMTPInput) (*sb.SMTPSettings, error) {
	in.Normalize()
	var out *sb.SMTPSettings
	err := s.putIntegration(ctx, actor, workspaceID, in.Validate, func() error {
		if s.cfg.Mail == nil {
			return nil
		}
		return s.cfg.Mail.CheckHost(ctx, in.Host)
	}, func(t *tx, w *wsRow) error {
		old, err := t.ownSMTP(ctx, w.ID)
		if err != nil {
			return err
		}
		if err := smtpSecretNeeded(old, in); err != nil {
			return err
		}
		enc := ""
		if old != nil {
			enc = old.PasswordEnc
		}
		if in.Password != nil {
			enc = ""
			if *in.Password != "" {
				if enc, err = secret.Seal(t.s.cfg.SecretKey, *in.Password); err != nil {
					return err
				}
			}
		}
		r := &smtpRow{WorkspaceID: w.ID, Host: in.Host, Port: in.Port, Username: in.Username, PasswordEnc: enc,
			FromEmail: in.FromEmail, FromName: in.FromName, Security: in.Security, UpdatedAt: t.now.UnixMicro()}
		if _, err := t.exec(ctx, `INSERT INTO smtp_settings (workspace_id, host, port, username, password_enc, from_email, from_name, security, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username,
			password_enc = excluded.password_enc, from_email = excluded.from_email, from_name = excluded.from_name,
			security = excluded.security, updated_at = excluded.updated_at`,
			r.WorkspaceID, r.Host, r.Port, r.Username, r.PasswordEnc, r.FromEmail, r.FromName, r.Security, r.UpdatedAt); err != nil {
			return err
		}
		out = r.view(false)
		return t.audit(ctx, actor, w.ID, w.AccountID, "smtp.updated", w.ID, map[string]any{
			"host": r.Host, "port": r.Port, "security": r.Security, "from_email": r.FromEmail, "password_changed": in.Password != nil})
	})
	return out, err
}

// DeleteSMTP removes the workspace's own mail server settings.
func (s *Store) DeleteSMTP(ctx context.Context, actor sb.Actor, workspaceID string) error {
	return s.deleteIntegration(ctx, actor, workspaceID, "smtp_settings", "SMTP settings", "smtp.deleted")
}

// TestSMTP sends a short message through the workspace's mail server.
func (s *Store) TestSMTP(ctx context.Context, actor sb.Actor, workspaceID string, in sb.SMTPTestInput) error {
	var server *sb.SMTPServer
	var wsName string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		if err := sb.ValidateEmail(in.To); err != nil {
			return &sb.Error{Code: sb.ECodeValidation, Message: sb.ErrorMessage(err), Fields: []sb.FieldError{{Location: "body.to", Message: sb.ErrorMessage(err)}}}
		}
		r, _, err := t.effectiveSMTP(ctx, w)
		if err != nil {
			return err
		}
		if r == nil {
			return smtpNotConfigured(w.ID)
		}
		wsName = w.Name
		server, err = t.server(r)
		return err
	})
	if err != nil {
		return err
	}
	if s.cfg.Mail == nil {
		return sb.Errorf(sb.ECodeSMTPError, "This server cannot send mail.")
	}
	err = s.cfg.Mail.Send(ctx, *server, sb.Email{To: in.To,
		Subject: "Switchboard test message for " + wsName,
		Text:    "This is a test message from Switchboard: the mail server settings of " + wsName + " work.\n",
	})
	var de *sb.DeliveryError
	if errors.As(err, &de) {
		return sb.Errorf(sb.ECodeSMTPError, "The mail server did not take the message: %s", de.Reply)
	}
	return err
}
