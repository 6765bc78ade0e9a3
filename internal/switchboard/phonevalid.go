package switchboard

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file answers phonenumbers.IsValidNumberForRegion, IsValidNumber and
// GetRegionCodeForNumber without their cost. For every number description it
// tries (up to eleven per number), the library builds the anchored pattern
// "^(?:" + pattern + ")$", looks it up in a mutex-guarded regexp cache, and runs
// it twice; on a CSV import of a million contacts that is most of the CPU. Here
// the patterns of a region are compiled once, the first time the region is
// asked about, and each runs at most once. The logic follows the library's
// getNumberTypeHelper, isNumberMatchingDesc and isNumberPossibleForDesc (v1.8.1)
// step by step; TestPhoneValidityMatchesLibrary and FuzzNormalizePhone hold the
// answers equal to the library's for every region.

// nonGeoRegion is the library's region code of non-geographic entities (+800…).
const nonGeoRegion = "001"

// phoneDesc is a compiled phonenumbers.PhoneNumberDesc.
type phoneDesc struct {
	lengths []int32
	re      *regexp.Regexp
}

func compilePhoneDesc(d *phonenumbers.PhoneNumberDesc) phoneDesc {
	return phoneDesc{d.GetPossibleLength(), regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
}

// matches is the library's isNumberMatchingDesc: when the description lists
// possible lengths (a list of just -1 means none), the national number must have
// one of them; then it must match the whole pattern.
func (d *phoneDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.re.MatchString(nsn)
}

// phoneRegion is the metadata of one region (or one non-geographic calling
// code), with its patterns compiled on first use.
type phoneRegion struct {
	meta    *phonenumbers.PhoneMetadata
	once    sync.Once
	general phoneDesc
	leading *regexp.Regexp // the leading digits, if the metadata has them
	// types are the descriptions getNumberTypeHelper tries after the general
	// one, but for those that can never match.
	types []phoneDesc
}

func (r *phoneRegion) compile() {
	m := r.meta
	r.general = compilePhoneDesc(m.GetGeneralDesc())
	// Which type matches does not matter, only whether one does, so the common
	// ones go first. When fixed line and mobile share a pattern, a number that is
	// not a fixed line is not tried as a mobile either.
	descs := []*phonenumbers.PhoneNumberDesc{m.GetFixedLine()}
	if !m.GetSameMobileAndFixedLinePattern() {
		descs = append(descs, m.GetMobile())
	}
	descs = append(descs, m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
		m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail())
	for _, d := range descs {
		// A national number is all digits: a pattern that starts with something
		// else, like the "NA" of the types a region lacks, never matches it.
		c := compilePhoneDesc(d)
		if prefix, _ := c.re.LiteralPrefix(); strings.Trim(prefix, "0123456789") == "" {
			r.types = append(r.types, c)
		}
	}
	if ld := m.GetLeadingDigits(); ld != "" {
		r.leading = regexp.MustCompile("^(?:" + ld + ")")
	}
}

// hasType reports whether getNumberTypeHelper(nsn, metadata) != UNKNOWN: the
// number matches the general description and at least one specific type.
func (r *phoneRegion) hasType(nsn string) bool {
	r.once.Do(r.compile)
	if !r.general.matches(nsn) {
		return false
	}
	for i := range r.types {
		if r.types[i].matches(nsn) {
			return true
		}
	}
	return false
}

// phoneRegions indexes the library's metadata as it does: geographic regions by
// code (only the supported ones, else the library has no metadata for them) and
// non-geographic entities by calling code (only supported calling codes).
var phoneRegions = sync.OnceValue(func() (ix struct {
	geo    map[string]*phoneRegion
	nonGeo map[int32]*phoneRegion
}) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic(err) // the library parsed the same embedded data in its init
	}
	ix.geo = make(map[string]*phoneRegion)
	ix.nonGeo = make(map[int32]*phoneRegion)
	regions, codes := phonenumbers.GetSupportedRegions(), phonenumbers.GetSupportedCallingCodes()
	for _, m := range coll.GetMetadata() {
		switch id := m.GetId(); {
		case id == nonGeoRegion && codes[int(m.GetCountryCode())]:
			ix.nonGeo[m.GetCountryCode()] = &phoneRegion{meta: m}
		case id != nonGeoRegion && regions[id]:
			ix.geo[id] = &phoneRegion{meta: m}
		}
	}
	return ix
})

// nationalSignificantNumber is phonenumbers.GetNationalSignificantNumber.
func nationalSignificantNumber(num *phonenumbers.PhoneNumber) string {
	s := strconv.FormatUint(num.GetNationalNumber(), 10)
	if z := int(num.GetNumberOfLeadingZeros()); num.GetItalianLeadingZero() && z > 0 {
		s = strings.Repeat("0", min(z, phonenumbers.MAX_LENGTH_FOR_NSN)) + s
	}
	return s
}

// validForRegion is phonenumbers.IsValidNumberForRegion for a number of calling
// code cc and national significant number nsn.
func validForRegion(cc int32, nsn, region string) bool {
	var r *phoneRegion
	if region == nonGeoRegion {
		r = phoneRegions().nonGeo[cc]
	} else if r = phoneRegions().geo[region]; r != nil && r.meta.GetCountryCode() != cc {
		return false
	}
	return r != nil && r.hasType(nsn)
}

// regionForNumber is phonenumbers.GetRegionCodeForNumber: the only region of the
// calling code, or the first whose leading digits, or else whose patterns,
// match; "" if none does.
func regionForNumber(cc int32, nsn string) string {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(cc))
	switch len(regions) {
	case 0:
		return ""
	case 1:
		return regions[0]
	}
	for _, code := range regions {
		r := phoneRegions().geo[code]
		r.once.Do(r.compile)
		if r.leading != nil {
			if r.leading.MatchString(nsn) {
				return code
			}
		} else if r.hasType(nsn) {
			return code
		}
	}
	return ""
}
