package switchboard_test

import (
	"fmt"
	"testing"

	"github.com/nyaruka/phonenumbers"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// BenchmarkNormalizePhone normalises a mix of numbers like the import
// benchmark's (mostly +1415… and (415) …-… with region US) with a few
// international ones, through one PhoneNormalizer as an import worker does.
//
//	go test ./internal/switchboard -run XXX -bench NormalizePhone -count 6
func BenchmarkNormalizePhone(b *testing.B) {
	var in []string
	for i := 0; i < 90; i++ {
		n := 2_000_000 + i*7919
		if i%3 == 1 {
			in = append(in, fmt.Sprintf("(415) %03d-%04d", n/10000, n%10000))
		} else {
			in = append(in, fmt.Sprintf("+1415%07d", n))
		}
	}
	in = append(in,
		"+44 20 7946 0958", "+44 7700 900123", "+44 161 496 0000",
		"+49 30 901820", "+49 1512 3456789", "+49 89 1234567",
		"+33 1 42 68 53 00", "+33 6 12 34 56 78", "+33 4 91 12 34 56",
		"not a number 999")
	pn := sb.PhoneNormalizer{Region: "US"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pn.Normalize(in[i%len(in)])
	}
}

// BenchmarkPhoneValidity compares phonenumbers.IsValidNumberForRegion with the
// precompiled check on valid and invalid numbers of a few regions.
func BenchmarkPhoneValidity(b *testing.B) {
	var nums []*phonenumbers.PhoneNumber
	var regions []string
	for _, c := range []struct{ raw, region string }{
		{"+14152000001", "US"}, {"+14155550100", "US"}, {"+18005550100", "US"}, {"+14151000000", "US"},
		{"+442079460958", "GB"}, {"+447700900123", "GB"}, {"+4930901820", "DE"}, {"+4915123456789", "DE"},
		{"+33142685300", "FR"}, {"+33612345678", "FR"}, {"+390669821234", "IT"}, {"+3912345", "IT"},
	} {
		num, err := phonenumbers.Parse(c.raw, "")
		if err != nil {
			b.Fatal(err)
		}
		nums, regions = append(nums, num), append(regions, c.region)
	}
	for _, v := range []struct {
		name  string
		valid func(*phonenumbers.PhoneNumber, string) bool
	}{{"library", phonenumbers.IsValidNumberForRegion}, {"precompiled", sb.ValidForRegion}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				v.valid(nums[i%len(nums)], regions[i%len(nums)])
			}
		})
	}
}
