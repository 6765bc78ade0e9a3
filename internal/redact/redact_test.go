package redact

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, in := range []string{
		"/invite/sbi_abcdef123",
		"//invite/sbi_abcdef123",
		"/api/v1//invitations/sbi_abcdef123/accept",
		"/./reset/sbp_abcdef123",
		"/invite/sbi%5Fabcdef123",
		"Bearer sbs_abcdef123 and sbk_abcdef123 and sbr_abcdef123",
	} {
		out := Tokens(in)
		if strings.Contains(out, "abcdef123") {
			t.Errorf("Tokens(%q) = %q: the secret part is still there", in, out)
		}
	}
	if got := Tokens("/w/ws_1/team"); got != "/w/ws_1/team" {
		t.Errorf("a path without tokens changed: %q", got)
	}
}
