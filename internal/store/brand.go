package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// WorkspaceBrand is the brand a workspace's console pages show to any member
// (viewer+): its own white label, else its agency's. Editing it stays the owner's.
func (s *Store) WorkspaceBrand(ctx context.Context, actor sb.Actor, workspaceID string) (*sb.WhiteLabel, error) {
	var out sb.WhiteLabel
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewWorkspace, false)
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

// DomainBrand is the brand of the live workspace whose custom domain is host, for
// the log-in page served on that domain; nil when none claims it.
func (s *Store) DomainBrand(ctx context.Context, host string) (*sb.WhiteLabel, error) {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" {
		return nil, nil
	}
	var out *sb.WhiteLabel
	err := s.view(ctx, func(t *tx) error {
		var wl sb.WhiteLabel
		err := t.queryRow(ctx, `SELECT l.brand_name, l.logo_url, l.primary_color, l.custom_domain, l.support_email
			FROM white_labels l JOIN workspaces w ON w.id = l.workspace_id
			WHERE l.custom_domain = ? AND w.deleted_at IS NULL ORDER BY l.workspace_id LIMIT 1`, host).
			Scan(&wl.BrandName, &wl.LogoURL, &wl.PrimaryColor, &wl.CustomDomain, &wl.SupportEmail)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		out = &wl
		return nil
	})
	return out, err
}
