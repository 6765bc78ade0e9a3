// Package redact keeps secret tokens out of logs: the API and the console log paths
// and errors through it.
package redact

import (
	"regexp"
	"strings"
)

// tokenShape matches a secret token by its shape wherever it appears: invitation
// (sbi_), session (sbs_), API key (sbk_), password reset (sbp_) and dispatch report
// (sbr_) tokens, also percent-encoded (sbi%5F…).
var tokenShape = regexp.MustCompile(`(?i)(sb[iskpr])(_|%5f)[^/?#&\s"']*`)

// Tokens replaces the secret part of every token in s: whatever the path's
// spelling (//, /./, encoded), no token reaches a log.
func Tokens(s string) string {
	if !strings.Contains(strings.ToLower(s), "sb") {
		return s
	}
	return tokenShape.ReplaceAllString(s, "${1}_[redacted]")
}
