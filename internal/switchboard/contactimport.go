package switchboard

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Contact fields a CSV column can fill.
const (
	FieldFirstName = "first_name"
	FieldLastName  = "last_name"
	FieldPhone     = "phone"
	FieldEmail     = "email"
	FieldCompany   = "company"
	FieldTags      = "tags"
	// FieldIgnore in a mapping skips a column.
	FieldIgnore = "ignore"
)

// columnAliases are the header names matched, case-insensitively and with spaces,
// dashes and underscores alike, to each field.
var columnAliases = map[string]string{
	"phone": FieldPhone, "phone_number": FieldPhone, "phonenumber": FieldPhone, "mobile": FieldPhone,
	"mobile_number": FieldPhone, "mobile_phone": FieldPhone, "cell": FieldPhone, "telephone": FieldPhone, "tel": FieldPhone,
	"first_name": FieldFirstName, "firstname": FieldFirstName, "given_name": FieldFirstName, "forename": FieldFirstName,
	"last_name": FieldLastName, "lastname": FieldLastName, "surname": FieldLastName, "family_name": FieldLastName,
	"email": FieldEmail, "e_mail": FieldEmail, "email_address": FieldEmail,
	"company": FieldCompany, "organization": FieldCompany, "organisation": FieldCompany, "company_name": FieldCompany,
	"tags": FieldTags, "tag": FieldTags,
}

var importFields = map[string]bool{FieldFirstName: true, FieldLastName: true, FieldPhone: true, FieldEmail: true, FieldCompany: true, FieldTags: true, FieldIgnore: true}

func columnKey(name string) string {
	k := strings.ToLower(strings.TrimSpace(name))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(k)
}

// ImportOptions are the small parts of an import upload.
type ImportOptions struct {
	Tags          []string          `json:"tags"`
	DefaultRegion string            `json:"default_region"`
	Mapping       map[string]string `json:"mapping"`
}

// SetPart reads one small part of the upload: "tags" (comma-separated),
// "default_region" or "mapping" (a JSON object from column name to field).
func (o *ImportOptions) SetPart(name, value string) error {
	var v Validation
	switch name {
	case "tags":
		if !ValidText(value) {
			v.Add("body.tags", "The tags must be UTF-8 text without NUL characters.")
			break
		}
		o.Tags = NormalizeTags(strings.Split(value, ","))
		validateTags(&v, "body.tags", o.Tags)
	case "default_region":
		o.DefaultRegion = strings.ToUpper(strings.TrimSpace(value))
		if o.DefaultRegion != "" && !ValidRegion(o.DefaultRegion) {
			v.Add("body.default_region", "The default region must be a two-letter country code such as US or GB.")
		}
	case "mapping":
		var m map[string]string
		if strings.TrimSpace(value) != "" {
			if err := json.Unmarshal([]byte(value), &m); err != nil {
				v.Add("body.mapping", "The mapping must be a JSON object from column name to field, such as {\"Mobile\": \"phone\"}.")
				break
			}
		}
		o.Mapping = map[string]string{}
		for col, field := range m {
			field = strings.ToLower(strings.TrimSpace(field))
			if !importFields[field] {
				v.Add("body.mapping", "The mapping names the field %q; use first_name, last_name, phone, email, company, tags or ignore.", truncateRunes(field, 40))
				break
			}
			o.Mapping[columnKey(col)] = field
		}
	default:
		v.Add("body."+truncateRunes(name, 40), "The part %q is not known; send file, tags, default_region and mapping.", truncateRunes(name, 40))
	}
	return v.Err()
}

// ImportColumns resolves a header row: the field of each column ("" for none).
// Columns are matched case-insensitively, first by the mapping, then by the
// aliases; a phone column is required.
func ImportColumns(header []string, mapping map[string]string) ([]string, error) {
	fields := make([]string, len(header))
	taken := map[string]int{}
	var v Validation
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		k := columnKey(h)
		f, ok := mapping[k]
		if !ok {
			f = columnAliases[k]
		}
		if f == FieldIgnore || f == "" {
			continue
		}
		if j, dup := taken[f]; dup {
			v.Add("body.file", "The columns %q and %q both map to %s; map one of them to \"ignore\".", truncateRunes(header[j], 40), truncateRunes(h, 40), f)
			continue
		}
		taken[f] = i
		fields[i] = f
	}
	if _, ok := taken[FieldPhone]; !ok && len(v.Fields) == 0 {
		v.Add("body.file", "The first line must be a header row with a phone column (phone, phone_number, mobile or telephone), or give a mapping that names one.")
	}
	return fields, v.Err()
}

// SniffDelimiter picks the delimiter of a CSV file from its header line: the most
// frequent of comma, semicolon and tab outside quotes (comma when none appears).
func SniffDelimiter(head []byte) rune {
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		head = head[:i]
	}
	counts := map[rune]int{}
	inQuote := false
	for _, c := range string(head) {
		switch {
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// SplitTagCell splits a tags cell of a CSV row on commas (as people write them,
// "recall,vip"), semicolons or bars.
func SplitTagCell(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' })
}

// NeutralizeCell makes a cell safe to open in a spreadsheet: one that starts with
// = + - @, a tab or a carriage return, which a spreadsheet would run as a formula,
// gets a leading apostrophe.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ValidText reports whether s is UTF-8 text without NUL characters, which every
// stored text must be (PostgreSQL refuses anything else).
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// NotTextReason is why an import row whose cells are not UTF-8 text is rejected.
const NotTextReason = "The row is not UTF-8 text or holds a NUL character; save the file as \"CSV UTF-8\" and import it again."
