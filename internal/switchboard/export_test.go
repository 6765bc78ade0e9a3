package switchboard

import "github.com/nyaruka/phonenumbers"

// ValidForRegion is the fast phonenumbers.IsValidNumberForRegion.
func ValidForRegion(num *phonenumbers.PhoneNumber, region string) bool {
	return validForRegion(num.GetCountryCode(), nationalSignificantNumber(num), region)
}

// RegionForNumber is the fast phonenumbers.GetRegionCodeForNumber.
func RegionForNumber(num *phonenumbers.PhoneNumber) string {
	return regionForNumber(num.GetCountryCode(), nationalSignificantNumber(num))
}

// NationalSignificantNumber is phonenumbers.GetNationalSignificantNumber.
var NationalSignificantNumber = nationalSignificantNumber

// Hint is the region the normalizer tries first.
func (pn *PhoneNormalizer) Hint() string { return pn.hint }

// SetHint sets the region the normalizer tries first.
func (pn *PhoneNormalizer) SetHint(r string) { pn.hint = r }
