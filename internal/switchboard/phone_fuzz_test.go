package switchboard_test

import (
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// FuzzNormalizePhone: no input panics; every input is either an E.164 number that
// normalises to itself again, or a validation error with a sentence.
func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []struct{ raw, region string }{
		{"+14155550100", ""}, {"(415) 555-0100", "US"}, {"1 415 555 0100", "US"}, {"0044 20 7946 0958", ""},
		{"+44 20 7946 0958", "GB"}, {"020 7946 0958", "GB"}, {"+1", ""}, {"", "US"}, {"00", ""}, {"+", "US"},
		{"+999999999999999999999999", ""}, {"415-555-0100 ext. 12", "US"}, {"＋１４１５５５５０１００", ""}, {"+1 (415) 555-0100", "XX"},
		{strings.Repeat("9", 41), "US"}, {"\x00+14155550100", ""}, {"+1415555010\u0660", ""}, {"tel:+1-415-555-0100", ""},
	} {
		f.Add(seed.raw, seed.region)
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		e164, err := sb.NormalizePhone(raw, region)
		if err != nil {
			if sb.ErrorCode(err) != sb.ECodeValidation || sb.ErrorMessage(err) == "" {
				t.Fatalf("NormalizePhone(%q, %q): %v, want a validation error", raw, region, err)
			}
			return
		}
		if len(e164) < 3 || e164[0] != '+' || strings.Trim(e164[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", raw, region, e164)
		}
		again, err := sb.NormalizePhone(e164, "")
		if err != nil || again != e164 {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want it unchanged", e164, again, err)
		}
	})
}
