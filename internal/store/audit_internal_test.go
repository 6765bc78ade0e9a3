package store

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
)

func TestIDAfterSortsRightAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	id := secret.NewID("aud", now)
	prev := id
	for range 1000 {
		next := idAfter(prev)
		if next <= prev || len(next) != len(id) {
			t.Fatalf("idAfter(%q) = %q", prev, next)
		}
		prev = next
	}
	// A carry across bytes keeps the order; the last character carries 3 bits.
	allOnes := "aud_" + auditIDEncoding.EncodeToString([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
	if next := idAfter(allOnes); next <= allOnes {
		t.Fatalf("carry: idAfter(%q) = %q", allOnes, next)
	}
	// A new id of a later millisecond still sorts after a run of idAfter.
	if later := secret.NewID("aud", now.Add(time.Millisecond)); later <= prev {
		t.Fatalf("next millisecond %q sorts before %q", later, prev)
	}
	if got := idAfter("odd"); got <= "odd" {
		t.Fatalf("idAfter of a foreign id: %q", got)
	}
}
