package cli

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
)

// secretKey decodes the configured key (hex or base64 of 32 bytes), or reads the
// one in the data directory, generating it (mode 0600) on first start.
func secretKey(configured, dataDir string, logger *slog.Logger) ([]byte, error) {
	if configured != "" {
		return decodeKey(strings.TrimSpace(configured))
	}
	if dataDir == "" {
		dataDir = "data"
	}
	return dataDirKey(dataDir, logger)
}

// sharedKeyCandidate is the key a PostgreSQL replica without --secret-key offers
// to the database (store.AdoptSharedSecretKey): the data directory's key when an
// earlier version left one there (so that secrets it sealed still open), a new
// one otherwise. Replicas share only the database, so nothing is written here.
func sharedKeyCandidate(dataDir string) ([]byte, error) {
	if dataDir == "" {
		dataDir = "data"
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
	if errors.Is(err, os.ErrNotExist) {
		return secret.NewKey(), nil
	}
	if err != nil {
		return nil, err
	}
	return decodeKey(strings.TrimSpace(string(b)))
}

func dataDirKey(dataDir string, logger *slog.Logger) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		return decodeKey(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := secret.NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process was quicker
		return dataDirKey(dataDir, logger)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	logger.Warn("generated a secret key; back it up, and give every replica the same one with --secret-key", "path", path)
	return key, nil
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("the secret key must be 32 bytes, written as 64 hex digits or in base64")
}
