package switchboard_test

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// FuzzNormalizePhone: no input panics; every input is either an E.164 number that
// normalises to itself again, or a validation error with a sentence; the result
// is the one of the implementation that called the library's validity checks,
// and the precompiled checks give the library's answers on the parsed number.
func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []struct{ raw, region string }{
		{"+14155550100", ""}, {"(415) 555-0100", "US"}, {"1 415 555 0100", "US"}, {"0044 20 7946 0958", ""},
		{"+44 20 7946 0958", "GB"}, {"020 7946 0958", "GB"}, {"+1", ""}, {"", "US"}, {"00", ""}, {"+", "US"},
		{"+999999999999999999999999", ""}, {"415-555-0100 ext. 12", "US"}, {"＋１４１５５５５０１００", ""}, {"+1 (415) 555-0100", "XX"},
		{"+800 1234 5678", "001"}, {"+39 06 6982 1234", "IT"}, {"0039 02 1234 5678", "001"}, {"+44 1624 123456", "GB"}, {"+7 700 123 4567", "RU"},
		{strings.Repeat("9", 41), "US"}, {"\x00+14155550100", ""}, {"+1415555010\u0660", ""}, {"tel:+1-415-555-0100", ""},
	} {
		f.Add(seed.raw, seed.region)
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		if num, err := phonenumbers.Parse(raw, region); err == nil {
			regions := append([]string{region, "001", phonenumbers.GetRegionCodeForNumber(num)}, phonenumbers.GetRegionCodesForCountryCode(int(num.GetCountryCode()))...)
			for _, r := range regions {
				if got, want := sb.ValidForRegion(num, r), phonenumbers.IsValidNumberForRegion(num, r); got != want {
					t.Fatalf("Parse(%q, %q) valid for %q: %v, library %v", raw, region, r, got, want)
				}
			}
			if got, want := sb.RegionForNumber(num), phonenumbers.GetRegionCodeForNumber(num); got != want {
				t.Fatalf("Parse(%q, %q): region %q, library %q", raw, region, got, want)
			}
		}
		e164, err := sb.NormalizePhone(raw, region)
		want, werr := oldNormalize(&sb.PhoneNormalizer{Region: region}, raw)
		if e164 != want || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("NormalizePhone(%q, %q) = %q, %v; before %q, %v", raw, region, e164, err, want, werr)
		}
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
