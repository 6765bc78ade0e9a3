package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// apiKeyDisplayLen is how much of a key is kept in clear to tell keys apart: the
// prefix and 8 characters (48 of its 256 random bits).
const apiKeyDisplayLen = len(APIKeyPrefix) + 8

// CreateAPIKey makes an API key for the workspace with a role no higher than the
// creator's (an API key creating keys counts as its own role). Only the hash of the
// key and a short display prefix are stored; the key itself is in the answer only.
func (s *Store) CreateAPIKey(ctx context.Context, actor sb.Actor, workspaceID string, in sb.APIKeyInput) (*sb.NewAPIKey, error) {
	in.Normalize()
	var out *sb.NewAPIKey
	err := s.update(ctx, func(t *tx) error {
		// The lock orders this with RemoveMember, which revokes the creator's keys.
		w, role, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, true)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if in.Role.Rank() > role.Rank() {
			return sb.Errorf(sb.ECodeForbidden, "A key cannot have a higher role than yours (%s); choose %s or lower.", role, role)
		}
		if actor.UserID == "" {
			return sb.Errorf(sb.ECodeForbidden, "Only a member of the workspace can create API keys.")
		}
		key := secret.Token(APIKeyPrefix)
		out = &sb.NewAPIKey{ID: secret.NewID("key", t.now), Name: in.Name, Role: in.Role, Key: key, CreatedAt: t.now}
		if _, err := t.exec(ctx, `INSERT INTO api_keys (id, workspace_id, name, role, prefix, key_hash, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, w.ID, out.Name, string(out.Role), key[:apiKeyDisplayLen], secret.HashToken(key), actor.UserID, t.now.UnixMicro()); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "api_key.created", out.ID, map[string]any{"name": out.Name, "role": out.Role})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListAPIKeys lists the workspace's live keys, oldest first, without secrets.
func (s *Store) ListAPIKeys(ctx context.Context, actor sb.Actor, workspaceID string, page sb.Page) ([]sb.APIKey, string, error) {
	out := []sb.APIKey{}
	next := ""
	page = page.Bounded()
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, false)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT k.id, k.name, k.role, k.prefix, k.created_at, k.last_used_at, u.id, u.email
			FROM api_keys k JOIN users u ON u.id = k.created_by
			WHERE k.workspace_id = ? AND k.revoked_at IS NULL AND k.id > ?
			ORDER BY k.id LIMIT ?`, w.ID, page.Cursor, page.Limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k sb.APIKey
			var role string
			var created int64
			var used sql.NullInt64
			if err := rows.Scan(&k.ID, &k.Name, &role, &k.Prefix, &created, &used, &k.CreatedBy.ID, &k.CreatedBy.Email); err != nil {
				return err
			}
			k.Role, k.CreatedAt, k.LastUsedAt = sb.Role(role), toTime(created), toTimePtr(used)
			out = append(out, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > page.Limit {
		out = out[:page.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// RevokeAPIKey revokes a live key of the workspace; it answers 401 from then on.
func (s *Store) RevokeAPIKey(ctx context.Context, actor sb.Actor, workspaceID, keyID string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, false)
		if err != nil {
			return err
		}
		var name, role string
		err = t.queryRow(ctx, `SELECT name, role FROM api_keys WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL`, w.ID, keyID).Scan(&name, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("API key")
		}
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL`, t.now.UnixMicro(), w.ID, keyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.NotFound("API key")
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "api_key.revoked", keyID, map[string]any{"name": name, "role": role})
	})
}
