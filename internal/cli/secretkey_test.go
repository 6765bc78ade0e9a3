package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretKeyGeneratedOnceWithMode0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	log := slog.New(slog.DiscardHandler)
	k1, err := secretKey("", dir, log)
	if err != nil || len(k1) != 32 {
		t.Fatalf("generate: %v %d", err, len(k1))
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := secretKey("", dir, log)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("the generated key was not reused on the next start")
	}
}

func TestSecretKeyConfigured(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key)} {
		got, err := secretKey(s, t.TempDir(), slog.New(slog.DiscardHandler))
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := secretKey("too-short", t.TempDir(), slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a short key was accepted")
	}
}
