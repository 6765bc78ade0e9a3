package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
)

// TestReplicasAdoptOneSecretKey: two replicas on one PostgreSQL started without
// --secret-key, each with a key of its own, end up sealing with the first one's,
// so that what one seals the other opens.
func TestReplicasAdoptOneSecretKey(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresSchema(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DatabaseURL: url, SecretKey: secret.NewKey(), Password: storetest.FastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	first, second := secret.NewKey(), secret.NewKey()
	if err := a.AdoptSharedSecretKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := b.AdoptSharedSecretKey(ctx, second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.SecretKeyForTest(), first) || !bytes.Equal(b.SecretKeyForTest(), first) {
		t.Fatal("the replicas seal with different keys")
	}
	sealed, err := secret.Seal(a.SecretKeyForTest(), "smtp password")
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := secret.Unseal(b.SecretKeyForTest(), sealed); err != nil || plain != "smtp password" {
		t.Fatalf("the other replica opens %q, %v", plain, err)
	}
}

// TestSQLiteKeepsItsOwnSecretKey: on SQLite the key stays the data directory's.
func TestSQLiteKeepsItsOwnSecretKey(t *testing.T) {
	s := storetest.Open(t, "sqlite", storetest.Options{}, storetest.NewClock())
	own := s.SecretKeyForTest()
	if err := s.AdoptSharedSecretKey(context.Background(), secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.SecretKeyForTest(), own) {
		t.Fatal("SQLite adopted another key")
	}
}
