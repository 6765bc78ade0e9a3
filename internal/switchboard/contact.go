package switchboard

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Contact is a person a workspace calls. Its phone is E.164 and unique in the
// workspace. No campaign of the workspace dials a contact marked DoNotCall.
type Contact struct {
	ID        string    `json:"id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Phone     string    `json:"phone"`
	Email     string    `json:"email"`
	Company   string    `json:"company"`
	Tags      []string  `json:"tags"`
	DoNotCall bool      `json:"do_not_call"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits of contact fields.
const (
	MaxContactName    = 100
	MaxContactCompany = 200
	MaxTagLength      = 50
	MaxTags           = 50
	// MaxTagBatch bounds the contact ids of one bulk tagging request.
	MaxTagBatch = 1000
)

// ContactInput is the body of POST /contacts. DefaultRegion (e.g. "US") lets the
// phone be written in national format.
type ContactInput struct {
	FirstName     string   `json:"first_name"`
	LastName      string   `json:"last_name"`
	Phone         string   `json:"phone"`
	Email         string   `json:"email"`
	Company       string   `json:"company"`
	Tags          []string `json:"tags"`
	DoNotCall     bool     `json:"do_not_call,omitempty"`
	DefaultRegion string   `json:"default_region,omitempty"`
}

// Normalize trims the fields, normalises the tags and, when it can, the phone to
// E.164 (Validate reports a phone it could not normalise).
func (in *ContactInput) Normalize() {
	in.FirstName = strings.TrimSpace(in.FirstName)
	in.LastName = strings.TrimSpace(in.LastName)
	in.Email = strings.TrimSpace(in.Email)
	in.Company = strings.TrimSpace(in.Company)
	in.DefaultRegion = strings.ToUpper(strings.TrimSpace(in.DefaultRegion))
	in.Tags = NormalizeTags(in.Tags)
	if p, err := NormalizePhone(in.Phone, in.DefaultRegion); err == nil {
		in.Phone = p
	}
}

// Validate checks a new contact. Call Normalize first.
func (in *ContactInput) Validate() error {
	var v Validation
	validateRegion(&v, in.DefaultRegion)
	if _, err := NormalizePhone(in.Phone, in.DefaultRegion); err != nil {
		v.Add("body.phone", "%s", ErrorMessage(err))
	}
	validateContactFields(&v, in.FirstName, in.LastName, in.Email, in.Company)
	validateTags(&v, "body.tags", in.Tags)
	return v.Err()
}

// UpdateContactInput is the body of PATCH /contacts/{id}; absent fields are kept,
// and tags, when present, replace the contact's tags.
type UpdateContactInput struct {
	FirstName     *string   `json:"first_name,omitempty"`
	LastName      *string   `json:"last_name,omitempty"`
	Phone         *string   `json:"phone,omitempty"`
	Email         *string   `json:"email,omitempty"`
	Company       *string   `json:"company,omitempty"`
	Tags          *[]string `json:"tags,omitempty"`
	DoNotCall     *bool     `json:"do_not_call,omitempty"`
	DefaultRegion string    `json:"default_region,omitempty"`
}

func trimPtr(p *string) {
	if p != nil {
		*p = strings.TrimSpace(*p)
	}
}

// Normalize trims the present fields and normalises the phone and tags.
func (in *UpdateContactInput) Normalize() {
	trimPtr(in.FirstName)
	trimPtr(in.LastName)
	trimPtr(in.Email)
	trimPtr(in.Company)
	in.DefaultRegion = strings.ToUpper(strings.TrimSpace(in.DefaultRegion))
	if in.Tags != nil {
		t := NormalizeTags(*in.Tags)
		in.Tags = &t
	}
	if in.Phone != nil {
		if p, err := NormalizePhone(*in.Phone, in.DefaultRegion); err == nil {
			in.Phone = &p
		}
	}
}

// Validate checks the present fields. Call Normalize first.
func (in *UpdateContactInput) Validate() error {
	var v Validation
	validateRegion(&v, in.DefaultRegion)
	if in.Phone != nil {
		if _, err := NormalizePhone(*in.Phone, in.DefaultRegion); err != nil {
			v.Add("body.phone", "%s", ErrorMessage(err))
		}
	}
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	validateContactFields(&v, val(in.FirstName), val(in.LastName), val(in.Email), val(in.Company))
	if in.Tags != nil {
		validateTags(&v, "body.tags", *in.Tags)
	}
	return v.Err()
}

// Apply changes c by the present fields.
func (in *UpdateContactInput) Apply(c *Contact) {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = *p
		}
	}
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Phone, in.Phone)
	set(&c.Email, in.Email)
	set(&c.Company, in.Company)
	if in.Tags != nil {
		c.Tags = *in.Tags
	}
	if in.DoNotCall != nil {
		c.DoNotCall = *in.DoNotCall
	}
}

// ValidateContactFields checks the fields of a contact other than its phone.
func ValidateContactFields(first, last, email, company string, tags []string) error {
	var v Validation
	validateContactFields(&v, first, last, email, company)
	validateTags(&v, "body.tags", tags)
	return v.Err()
}

func validateContactFields(v *Validation, first, last, email, company string) {
	if utf8.RuneCountInString(first) > MaxContactName {
		v.Add("body.first_name", "The first name must be at most %d characters long.", MaxContactName)
	}
	if utf8.RuneCountInString(last) > MaxContactName {
		v.Add("body.last_name", "The last name must be at most %d characters long.", MaxContactName)
	}
	if utf8.RuneCountInString(company) > MaxContactCompany {
		v.Add("body.company", "The company must be at most %d characters long.", MaxContactCompany)
	}
	if email != "" {
		if err := ValidateEmail(email); err != nil {
			v.Add("body.email", "%s", ErrorMessage(err))
		}
	}
}

func validateRegion(v *Validation, region string) {
	if region != "" && !ValidRegion(region) {
		v.Add("body.default_region", "The default region must be a two-letter country code such as US or GB.")
	}
}

// ValidRegion reports whether region is a two-letter region the phone metadata knows.
func ValidRegion(region string) bool {
	return len(region) == 2 && phonenumbers.GetCountryCodeForRegion(region) != 0
}

// NormalizeTags trims tags and drops empty ones and repeats, keeping the order.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// ValidTag reports whether a (trimmed) tag has an allowed length.
func ValidTag(t string) bool {
	n := utf8.RuneCountInString(t)
	return n >= 1 && n <= MaxTagLength
}

func validateTags(v *Validation, loc string, tags []string) {
	if len(tags) > MaxTags {
		v.Add(loc, "A contact can have at most %d tags.", MaxTags)
	}
	for _, t := range tags {
		if !ValidTag(t) {
			v.Add(loc, "Each tag must be 1 to %d characters long; %q is not.", MaxTagLength, truncateRunes(t, 60))
			return
		}
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// PhoneNormalizer turns phone numbers into E.164. It remembers the region of the
// last valid number as a hint, which makes validating a list of numbers from the
// same country several times faster; it is not safe for concurrent use.
type PhoneNormalizer struct {
	Region string
	hint   string
}

// NormalizePhone returns raw as E.164. region (e.g. "US") is used for numbers
// written without a country code; "00" is read as the international prefix.
func NormalizePhone(raw, region string) (string, error) {
	n := PhoneNormalizer{Region: region}
	return n.Normalize(raw)
}

// Normalize returns raw as E.164, or a domain error saying what is wrong.
func (pn *PhoneNormalizer) Normalize(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", Errorf(ECodeValidation, "The phone number is missing.")
	}
	if len(s) > 40 {
		return "", Errorf(ECodeValidation, "The phone number is too long to be valid.")
	}
	// A leading 00 is the international prefix almost everywhere but North America;
	// read it so, whatever the default region.
	if t := strings.TrimLeft(s, " ("); strings.HasPrefix(t, "00") {
		s = "+" + t[2:]
	}
	if !strings.HasPrefix(s, "+") && pn.Region == "" {
		return "", Errorf(ECodeValidation, "The phone number %q has no country code: write it as +<country code> <number>, or give a default_region.", truncateRunes(raw, 40))
	}
	if e164, ok := pn.fastNANP(s); ok {
		return e164, nil
	}
	num, err := phonenumbers.Parse(s, pn.Region)
	if err != nil {
		return "", Errorf(ECodeValidation, "%q is not a phone number.", truncateRunes(raw, 40))
	}
	if !pn.valid(num) {
		return "", Errorf(ECodeValidation, "%q is not a valid phone number.", truncateRunes(raw, 40))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// fastNANP handles the most common numbers without the general parser, which is
// slow: a North American number written as +1 and ten digits, or, with a NANP
// default region, as ten digits or 1 and ten digits, with the usual separators.
// Whatever it does not recognise as valid goes to the general parser.
func (pn *PhoneNormalizer) fastNANP(s string) (string, bool) {
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

// valid is phonenumbers.IsValidNumber, trying the hinted region first: valid for
// one region means valid. It uses the precompiled checks of phonevalid.go, which
// give the library's answers. The loop tries a region once, and leaves "001" to
// the general check as before: the old test of the number's calling code against
// GetCountryCodeForRegion("001"), which is 0, never passed.
func (pn *PhoneNormalizer) valid(num *phonenumbers.PhoneNumber) bool {
	cc, nsn := num.GetCountryCode(), nationalSignificantNumber(num)
	for i, r := range [2]string{pn.hint, pn.Region} {
		if r == "" || r == nonGeoRegion || i == 1 && r == pn.hint {
			continue
		}
		if validForRegion(cc, nsn, r) {
			pn.hint = r
			return true
		}
	}
	r := regionForNumber(cc, nsn)
	if !validForRegion(cc, nsn, r) {
		return false
	}
	pn.hint = r
	return true
}

// ContactFilter selects contacts in a list.
type ContactFilter struct {
	Tag string
	Q   string
	Page
}

// TagContactsInput is the body of POST /contacts/tags.
type TagContactsInput struct {
	ContactIDs []string `json:"contact_ids"`
	Add        []string `json:"add"`
	Remove     []string `json:"remove"`
}

// Normalize trims the tags.
func (in *TagContactsInput) Normalize() {
	in.Add = NormalizeTags(in.Add)
	in.Remove = NormalizeTags(in.Remove)
}

// Validate checks the request.
func (in *TagContactsInput) Validate() error {
	var v Validation
	if len(in.ContactIDs) == 0 {
		v.Add("body.contact_ids", "List at least one contact id.")
	}
	if len(in.ContactIDs) > MaxTagBatch {
		v.Add("body.contact_ids", "Tag at most %d contacts per request.", MaxTagBatch)
	}
	if len(in.Add) == 0 && len(in.Remove) == 0 {
		v.Add("body.add", "Give tags to add or to remove.")
	}
	validateTags(&v, "body.add", in.Add)
	validateTags(&v, "body.remove", in.Remove)
	return v.Err()
}

// Import statuses.
const (
	ImportQueued    = "queued"
	ImportRunning   = "running"
	ImportCompleted = "completed"
	ImportFailed    = "failed"
)

// ContactImport is a CSV import job and its progress.
type ContactImport struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RowsTotal    int64  `json:"rows_total"`
	RowsImported int64  `json:"rows_imported"`
	RowsRejected int64  `json:"rows_rejected"`
	// RowsCreated, RowsUpdated and RowsDuplicate split RowsImported (every row
	// accepted): a new contact, a contact the workspace had before the import, and
	// a phone repeated in the file (merged into the contact of its first row).
	RowsCreated   int64      `json:"rows_created"`
	RowsUpdated   int64      `json:"rows_updated"`
	RowsDuplicate int64      `json:"rows_duplicate"`
	Error         string     `json:"error,omitempty"`
	Tags          []string   `json:"tags"`
	DefaultRegion string     `json:"default_region"`
	SizeBytes     int64      `json:"size_bytes"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
}

// ImportParts yields the parts of an import upload in the order they came: the
// CSV in the part named "file", and the small parts "tags", "default_region" and
// "mapping". NextPart returns io.EOF after the last part.
type ImportParts interface {
	NextPart() (name string, r io.Reader, err error)
}

// ContactService manages a workspace's contacts and their CSV imports.
type ContactService interface {
	ListContacts(ctx context.Context, actor Actor, workspaceID string, f ContactFilter) (items []Contact, nextCursor string, err error)
	CreateContact(ctx context.Context, actor Actor, workspaceID string, in ContactInput) (*Contact, error)
	GetContact(ctx context.Context, actor Actor, workspaceID, id string) (*Contact, error)
	UpdateContact(ctx context.Context, actor Actor, workspaceID, id string, in UpdateContactInput) (*Contact, error)
	DeleteContact(ctx context.Context, actor Actor, workspaceID, id string) error
	TagContacts(ctx context.Context, actor Actor, workspaceID string, in TagContactsInput) (updated int, err error)

	// StartImport stores the upload (at most maxBytes of CSV) and queues it.
	StartImport(ctx context.Context, actor Actor, workspaceID string, parts ImportParts, maxBytes int64) (*ContactImport, error)
	GetImport(ctx context.Context, actor Actor, workspaceID, id string) (*ContactImport, error)
	// WriteRejected writes the rejected rows of an import as CSV.
	WriteRejected(ctx context.Context, actor Actor, workspaceID, id string, w io.Writer) error
}

// ChangedFields names the fields present in the update, for the audit log.
func (in *UpdateContactInput) ChangedFields() []string {
	var out []string
	for _, f := range []struct {
		name    string
		present bool
	}{{"first_name", in.FirstName != nil}, {"last_name", in.LastName != nil}, {"phone", in.Phone != nil},
		{"email", in.Email != nil}, {"company", in.Company != nil}, {"tags", in.Tags != nil}, {"do_not_call", in.DoNotCall != nil}} {
		if f.present {
			out = append(out, f.name)
		}
	}
	return out
}
