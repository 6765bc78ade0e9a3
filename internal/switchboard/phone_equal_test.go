package switchboard_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// phoneTypes are the number types the metadata can give an example of.
var phoneTypes = []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
	phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
	phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}

// numberFromNSN builds the number Parse would for a national significant number,
// leading zeros included.
func numberFromNSN(cc int32, nsn string) *phonenumbers.PhoneNumber {
	n, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		panic(err)
	}
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &n}
	if z := min(len(nsn)-len(strings.TrimLeft(nsn, "0")), len(nsn)-1); z > 0 {
		yes, zeros := true, int32(z)
		num.ItalianLeadingZero, num.NumberOfLeadingZeros = &yes, &zeros
	}
	return num
}

func randDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// mutations of a national number: each digit changed, a digit added or removed,
// and the first half kept with a random rest.
func mutations(rng *rand.Rand, nsn string) []string {
	var out []string
	for i := range nsn {
		b := []byte(nsn)
		b[i] = '0' + (b[i]-'0'+1+byte(rng.IntN(9)))%10
		out = append(out, string(b))
	}
	at := rng.IntN(len(nsn) + 1)
	out = append(out, nsn+randDigits(rng, 1), nsn[:at]+randDigits(rng, 1)+nsn[at:])
	if len(nsn) > 1 {
		at = rng.IntN(len(nsn))
		out = append(out, nsn[1:], nsn[:len(nsn)-1], nsn[:at]+nsn[at+1:])
	}
	for range 4 {
		out = append(out, nsn[:len(nsn)/2]+randDigits(rng, len(nsn)-len(nsn)/2))
	}
	return out
}

// testNumbers generates numbers of a region's calling code: its example numbers,
// their mutations and random digit strings of every possible length and one
// more or less.
func testNumbers(rng *rand.Rand, cc int32, examples []*phonenumbers.PhoneNumber, lengths []int32) (nums []*phonenumbers.PhoneNumber, nExamples int) {
	nums = append(nums, examples...)
	for _, ex := range examples {
		for _, m := range mutations(rng, phonenumbers.GetNationalSignificantNumber(ex)) {
			nums = append(nums, numberFromNSN(cc, m))
		}
	}
	nExamples = len(nums)
	lengths = append(lengths, slices.Min(lengths)-1, slices.Max(lengths)+1)
	for _, l := range lengths {
		for range 10 {
			nums = append(nums, numberFromNSN(cc, randDigits(rng, max(int(l), 1))))
		}
	}
	return nums, nExamples
}

// regionLengths lists the possible lengths of the general description in a
// region's metadata (or of a non-geographic calling code's).
func regionLengths(t *testing.T, region string, cc int) []int32 {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	var ls []int32
	for _, m := range coll.GetMetadata() {
		if m.GetId() == region && int(m.GetCountryCode()) == cc {
			ls = m.GetGeneralDesc().GetPossibleLength()
		}
	}
	if len(ls) == 0 || slices.Min(ls) < 1 {
		t.Fatalf("%s %d: possible lengths %v", region, cc, ls)
	}
	return ls
}

// TestPhoneValidityMatchesLibrary holds the precompiled checks equal to
// phonenumbers.IsValidNumberForRegion, IsValidNumber and GetRegionCodeForNumber,
// and PhoneNormalizer.Normalize equal to the implementation that called them, on
// numbers of every region and non-geographic calling code.
func TestPhoneValidityMatchesLibrary(t *testing.T) {
	if phonenumbers.GetSupportedCallingCodes()[0] {
		t.Fatal("calling code 0 is supported; PhoneNormalizer.valid assumes it is not")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type group struct {
		region   string
		cc       int
		examples []*phonenumbers.PhoneNumber
	}
	var groups []group
	regions := slices.Sorted(func(yield func(string) bool) {
		for r := range phonenumbers.GetSupportedRegions() {
			if !yield(r) {
				return
			}
		}
	})
	for _, r := range regions {
		g := group{region: r, cc: phonenumbers.GetCountryCodeForRegion(r)}
		for _, typ := range phoneTypes {
			if ex := phonenumbers.GetExampleNumberForType(r, typ); ex != nil {
				g.examples = append(g.examples, ex)
			}
		}
		groups = append(groups, g)
	}
	codes := slices.Sorted(func(yield func(int) bool) {
		for c := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
			if !yield(c) {
				return
			}
		}
	})
	for _, cc := range codes {
		g := group{region: "001", cc: cc}
		if ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc); ex != nil {
			g.examples = append(g.examples, ex)
		}
		groups = append(groups, g)
	}

	// Normalizers that carry their hints from number to number, old and new side by side.
	type pair struct{ old, new *sb.PhoneNormalizer }
	var pairs []pair
	for _, r := range []string{"", "US", "DE"} {
		pairs = append(pairs, pair{&sb.PhoneNormalizer{Region: r}, &sb.PhoneNormalizer{Region: r}})
	}
	compareNormalize := func(old, new *sb.PhoneNormalizer, raw string) {
		t.Helper()
		want, werr := oldNormalize(old, raw)
		got, gerr := new.Normalize(raw)
		if got != want || (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() || old.Hint() != new.Hint() {
			t.Errorf("Normalize(%q) with region %q: %q, %v, hint %q; before %q, %v, hint %q", raw, new.Region, got, gerr, new.Hint(), want, werr, old.Hint())
		}
	}

	checks, valid := 0, 0
	for _, g := range groups {
		nums, nExamples := testNumbers(rng, int32(g.cc), g.examples, regionLengths(t, g.region, g.cc))
		others := phonenumbers.GetRegionCodesForCountryCode(g.cc)
		for i, num := range nums {
			targets := []string{g.region, others[rng.IntN(len(others))], "US", "001"}
			if i%8 == 0 {
				targets = append(targets, phonenumbers.GetRegionCodeForCountryCode(g.cc), "", "ZZ", strings.ToLower(g.region))
			}
			for _, r := range targets {
				want := phonenumbers.IsValidNumberForRegion(num, r)
				if got := sb.ValidForRegion(num, r); got != want {
					t.Errorf("%s %d %s for region %q: %v, library %v", g.region, g.cc, phonenumbers.GetNationalSignificantNumber(num), r, got, want)
				}
				checks++
				if want {
					valid++
				}
			}
			region := phonenumbers.GetRegionCodeForNumber(num)
			if got := sb.RegionForNumber(num); got != region {
				t.Errorf("%s %d %s: region %q, library %q", g.region, g.cc, phonenumbers.GetNationalSignificantNumber(num), got, region)
			}
			if got, want := sb.ValidForRegion(num, region), phonenumbers.IsValidNumber(num); got != want {
				t.Errorf("%s %d %s: valid %v, library %v", g.region, g.cc, phonenumbers.GetNationalSignificantNumber(num), got, want)
			}

			if i >= nExamples && i%8 != 0 {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(num)
			e164 := "+" + strconv.Itoa(g.cc) + nsn
			p := pairs[i%len(pairs)]
			compareNormalize(p.old, p.new, e164)
			if g.region != "001" {
				old, new := &sb.PhoneNormalizer{Region: g.region}, &sb.PhoneNormalizer{Region: g.region}
				compareNormalize(old, new, phonenumbers.Format(num, phonenumbers.NATIONAL))
				compareNormalize(old, new, nsn)
				compareNormalize(old, new, e164) // with a hint now
			}
		}
	}
	if valid < checks/20 {
		t.Errorf("only %d of %d checks valid; the generator misses valid numbers", valid, checks)
	}
	t.Logf("%d region checks, %d valid", checks, valid)
}

func TestNationalSignificantNumber(t *testing.T) {
	for _, c := range []struct {
		italian *bool
		zeros   *int32
		n       uint64
	}{
		{nil, nil, 0}, {new(true), nil, 0}, {new(true), nil, 123}, {new(true), new(int32(3)), 123}, {new(false), new(int32(3)), 123},
		{new(true), new(int32(0)), 5}, {new(true), new(int32(-2)), 5}, {new(true), new(int32(17)), 5}, {new(true), new(int32(1 << 30)), 5},
		{nil, nil, 1<<64 - 1},
	} {
		num := &phonenumbers.PhoneNumber{ItalianLeadingZero: c.italian, NumberOfLeadingZeros: c.zeros, NationalNumber: &c.n}
		if got, want := sb.NationalSignificantNumber(num), phonenumbers.GetNationalSignificantNumber(num); got != want {
			t.Errorf("%v: %q, library %q", num, got, want)
		}
	}
}

// oldNormalize is PhoneNormalizer.Normalize as it was before the precompiled
// checks, calling the library; it keeps its hint in pn the same way.
func oldNormalize(pn *sb.PhoneNormalizer, raw string) (string, error) {
	o := oldNormalizer{Region: pn.Region, hint: pn.Hint()}
	s, err := o.Normalize(raw)
	pn.SetHint(o.hint)
	return s, err
}

type oldNormalizer struct {
	Region string
	hint   string
}

func (pn *oldNormalizer) Normalize(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", sb.Errorf(sb.ECodeValidation, "The phone number is missing.")
	}
	if len(s) > 40 {
		return "", sb.Errorf(sb.ECodeValidation, "The phone number is too long to be valid.")
	}
	if t := strings.TrimLeft(s, " ("); strings.HasPrefix(t, "00") {
		s = "+" + t[2:]
	}
	if !strings.HasPrefix(s, "+") && pn.Region == "" {
		return "", sb.Errorf(sb.ECodeValidation, "The phone number %q has no country code: write it as +<country code> <number>, or give a default_region.", oldTruncateRunes(raw, 40))
	}
	if e164, ok := pn.fastNANP(s); ok {
		return e164, nil
	}
	num, err := phonenumbers.Parse(s, pn.Region)
	if err != nil {
		return "", sb.Errorf(sb.ECodeValidation, "%q is not a phone number.", oldTruncateRunes(raw, 40))
	}
	if !pn.valid(num) {
		return "", sb.Errorf(sb.ECodeValidation, "%q is not a valid phone number.", oldTruncateRunes(raw, 40))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func (pn *oldNormalizer) fastNANP(s string) (string, bool) {
	var d [16]byte
	n, plus := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && i == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	digits := d[:n]
	switch {
	case plus && n == 11 && digits[0] == '1':
		digits = digits[1:]
	case !plus && pn.Region != "" && phonenumbers.GetCountryCodeForRegion(pn.Region) == 1 && (n == 10 || n == 11 && digits[0] == '1'):
		digits = digits[n-10:]
	default:
		return "", false
	}
	if digits[0] < '2' || digits[3] < '2' {
		return "", false
	}
	var national uint64
	for _, c := range digits {
		national = national*10 + uint64(c-'0')
	}
	cc := int32(1)
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &national}
	if !pn.valid(num) {
		return "", false
	}
	return "+1" + string(digits), true
}

func (pn *oldNormalizer) valid(num *phonenumbers.PhoneNumber) bool {
	for _, r := range [2]string{pn.hint, pn.Region} {
		if r != "" && int(num.GetCountryCode()) == phonenumbers.GetCountryCodeForRegion(r) && phonenumbers.IsValidNumberForRegion(num, r) {
			pn.hint = r
			return true
		}
	}
	if !phonenumbers.IsValidNumber(num) {
		return false
	}
	pn.hint = phonenumbers.GetRegionCodeForNumber(num)
	return true
}

func oldTruncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
