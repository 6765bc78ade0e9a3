package secret

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordRoundTrip(t *testing.T) {
	p := PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	h, err := HashPassword(p, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if ok, err := CheckPassword(h, "correct horse"); err != nil || !ok {
		t.Fatalf("right password rejected: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "wrong horse"); ok {
		t.Fatal("wrong password accepted")
	}
}

func TestIDsSortByTime(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := NewID("ws", t0)
	b := NewID("ws", t0.Add(time.Millisecond))
	if !(a < b) {
		t.Fatalf("ids out of order: %s !< %s", a, b)
	}
	if a == NewID("ws", t0) {
		t.Fatal("two ids in the same millisecond are equal")
	}
}

func TestTokenHash(t *testing.T) {
	tok := Token("sbs_")
	if h := HashToken(tok); len(tok) < 40 || h == tok || len(h) != 64 {
		t.Fatalf("bad token or hash: %q", tok)
	}
}

func TestIDsIncreaseWithinAMillisecond(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	prev := NewID("x", t0)
	for i := 0; i < 1000; i++ {
		id := NewID("x", t0)
		if id <= prev {
			t.Fatalf("id %s not after %s", id, prev)
		}
		prev = id
	}
	// A clock that steps back does not make ids go back either.
	if id := NewID("x", t0.Add(-time.Hour)); id <= prev {
		t.Fatalf("id %s after a clock step back is not after %s", id, prev)
	}
}

func TestSealUnseal(t *testing.T) {
	key := NewKey()
	s, err := Seal(key, "hunter2")
	if err != nil || strings.Contains(s, "hunter2") {
		t.Fatalf("seal: %q %v", s, err)
	}
	if p, err := Unseal(key, s); err != nil || p != "hunter2" {
		t.Fatalf("unseal: %q %v", p, err)
	}
	if _, err := Unseal(NewKey(), s); err == nil {
		t.Fatal("opened with another key")
	}
}
