package store

import (
	"context"
	"database/sql"
	"errors"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ownWhiteLabel returns a workspace's own branding, and whether it has any.
func (t *tx) ownWhiteLabel(ctx context.Context, workspaceID string) (sb.WhiteLabel, bool, error) {
	var wl sb.WhiteLabel
	err := t.queryRow(ctx, `SELECT brand_name, logo_url, primary_color, custom_domain, support_email FROM white_labels WHERE workspace_id = ?`, workspaceID).
		Scan(&wl.BrandName, &wl.LogoURL, &wl.PrimaryColor, &wl.CustomDomain, &wl.SupportEmail)
	if errors.Is(err, sql.ErrNoRows) {
		return wl, false, nil
	}
	return wl, err == nil && !wl.IsZero(), err
}

// branding is the branding w shows: its own, else for a client its agency's.
func (t *tx) branding(ctx context.Context, w *wsRow) (sb.WhiteLabel, error) {
	wl, ok, err := t.ownWhiteLabel(ctx, w.ID)
	if err != nil || ok || !w.ParentID.Valid {
		return wl, err
	}
	wl, ok, err = t.ownWhiteLabel(ctx, w.ParentID.String)
	wl.Inherited = ok
	return wl, err
}

// baseURL is where links in w's mail point: its custom domain, else serve's base URL.
func (t *tx) baseURL(ctx context.Context, w *wsRow) (string, sb.WhiteLabel, error) {
	wl, err := t.branding(ctx, w)
	if err != nil {
		return "", wl, err
	}
	if wl.CustomDomain != "" {
		return "https://" + wl.CustomDomain, wl, nil
	}
	return t.s.cfg.BaseURL, wl, nil
}

// GetWhiteLabel returns the workspace's branding (a client's agency's when it has none).
func (s *Store) GetWhiteLabel(ctx context.Context, actor sb.Actor, workspaceID string) (*sb.WhiteLabel, error) {
	var out sb.WhiteLabel
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionWhiteLabel, false)
		if err != nil {
			return err
		}
		out, err = t.branding(ctx, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// PutWhiteLabel sets the workspace's own branding; empty fields are unset.
func (s *Store) PutWhiteLabel(ctx context.Context, actor sb.Actor, workspaceID string, in sb.WhiteLabelInput) (*sb.WhiteLabel, error) {
	in.Normalize()
	var out *sb.WhiteLabel
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionWhiteLabel, true)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO white_labels (workspace_id, brand_name, logo_url, primary_color, custom_domain, support_email, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET brand_name = excluded.brand_name, logo_url = excluded.logo_url,
			primary_color = excluded.primary_color, custom_domain = excluded.custom_domain,
			support_email = excluded.support_email, updated_at = excluded.updated_at`,
			w.ID, in.BrandName, in.LogoURL, in.PrimaryColor, in.CustomDomain, in.SupportEmail, t.now.UnixMicro()); err != nil {
			return err
		}
		wl, err := t.branding(ctx, w)
		if err != nil {
			return err
		}
		out = &wl
		return t.audit(ctx, actor, w.ID, w.AccountID, "white_label.updated", w.ID, map[string]any{
			"brand_name": in.BrandName, "logo_url": in.LogoURL, "primary_color": in.PrimaryColor,
			"custom_domain": in.CustomDomain, "support_email": in.SupportEmail})
	})
	return out, err
}
