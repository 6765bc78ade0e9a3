package store

import (
	"context"
	"encoding/hex"
	"fmt"
)

// AdoptSharedSecretKey makes every replica on one PostgreSQL database seal with
// the same key when the operator gave none (serve without --secret-key): the
// first replica to call it stores candidate in server_keys, and every replica,
// that one included, then uses the stored key. Call it after Migrate and before
// the store is used. On SQLite, which one process owns, it does nothing: the key
// stays in the data directory.
//
// A key kept in the database protects the sealed secrets less than one kept
// apart (a copy of the database holds both), which is why serve warns and the
// README recommends --secret-key for production.
func (s *Store) AdoptSharedSecretKey(ctx context.Context, candidate []byte) error {
	if s.dialect != postgres {
		return nil
	}
	if len(candidate) != 32 {
		return fmt.Errorf("store: the secret key must be 32 bytes, not %d", len(candidate))
	}
	var stored string
	err := s.update(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO server_keys (name, key_hex, created_at) VALUES ('secret', ?, ?) ON CONFLICT (name) DO NOTHING`,
			hex.EncodeToString(candidate), t.now.UnixMicro()); err != nil {
			return err
		}
		return t.queryRow(ctx, `SELECT key_hex FROM server_keys WHERE name = 'secret'`).Scan(&stored)
	})
	if err != nil {
		return fmt.Errorf("store: shared secret key: %w", err)
	}
	key, err := hex.DecodeString(stored)
	if err != nil || len(key) != 32 {
		return fmt.Errorf("store: the shared secret key in server_keys is not 64 hex digits")
	}
	s.cfg.SecretKey = key
	return nil
}
