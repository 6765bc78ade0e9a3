package switchboard

import (
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneRegionRules pins the rules of the library's getNumberTypeHelper that
// the real metadata never puts to the test, so that TestPhoneValidityMatchesLibrary
// cannot catch their loss: possible lengths narrow a pattern (and a list of just
// -1 matches nothing), and a region whose fixed line and mobile patterns are
// marked the same does not try the mobile description.
func TestPhoneRegionRules(t *testing.T) {
	desc := func(pattern string, lengths ...int32) *phonenumbers.PhoneNumberDesc {
		return &phonenumbers.PhoneNumberDesc{NationalNumberPattern: &pattern, PossibleLength: lengths}
	}
	region := func(same bool, general, fixed, mobile *phonenumbers.PhoneNumberDesc) *phoneRegion {
		none := desc("NA")
		return &phoneRegion{meta: &phonenumbers.PhoneMetadata{SameMobileAndFixedLinePattern: &same,
			GeneralDesc: general, FixedLine: fixed, Mobile: mobile, TollFree: none, PremiumRate: none, SharedCost: none,
			PersonalNumber: none, Voip: none, Pager: none, Uan: none, Voicemail: none}}
	}
	for _, c := range []struct {
		r    *phoneRegion
		nsn  string
		want bool
	}{
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "123", true},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "223", true},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "323", false},
		{region(false, desc(`\d{3,5}`, 4), desc(`1\d+`), desc(`2\d+`)), "123", false},
		{region(false, desc(`\d{3,5}`, 4), desc(`1\d+`), desc(`2\d+`)), "1234", true},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`, 5), desc(`2\d+`)), "1234", false},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`, -1), desc(`2\d+`)), "1234", false},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`, 3, 5)), "2234", false},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`, 3, 5)), "22345", true},
		{region(true, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "123", true},
		{region(true, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "223", false},
		{region(false, desc(`\d{3,5}`), desc(`1\d+`), desc(`2\d+`)), "1", false}, // the general pattern is anchored
		{region(false, desc(`\d{3,5}`), desc(`1`), desc(`2\d+`)), "123", false},  // and so are the others
	} {
		if got := c.r.hasType(c.nsn); got != c.want {
			t.Errorf("general %v fixed %v mobile %v same %v: %s valid %v, want %v", c.r.meta.GeneralDesc, c.r.meta.FixedLine,
				c.r.meta.Mobile, c.r.meta.GetSameMobileAndFixedLinePattern(), c.nsn, got, c.want)
		}
	}
}

// TestPhoneRegionConcurrent has goroutines ask about a region for the first
// time at once; run with -race.
func TestPhoneRegionConcurrent(t *testing.T) {
	r := &phoneRegion{meta: phoneRegions().geo["FR"].meta}
	var wg sync.WaitGroup
	for _, nsn := range []string{"142685300", "612345678", "142685300", "12345"} {
		wg.Go(func() {
			if got, want := r.hasType(nsn), len(nsn) == 9; got != want {
				t.Errorf("FR %s valid %v, want %v", nsn, got, want)
			}
		})
	}
	wg.Wait()
}
