package httpapi

import (
	"net/http"
	"regexp"
	"strings"
)

// tokenShape matches a secret token by its shape wherever it appears: invitation
// (sbi_), session (sbs_), API key (sbk_), password reset (sbp_) and dispatch report
// (sbr_) tokens, also percent-encoded (sbi%5F…).
var tokenShape = regexp.MustCompile(`(?i)(sb[iskpr])(_|%5f)[^/?#&\s"']*`)

// redactTokens replaces the secret part of every token in s: whatever the path's
// spelling (//, /./, encoded), no token reaches a log.
func redactTokens(s string) string {
	if !strings.Contains(strings.ToLower(s), "sb") {
		return s
	}
	return tokenShape.ReplaceAllString(s, "${1}_[redacted]")
}

// SecureHeaders sets the headers every answer carries: no MIME sniffing, and no
// framing of the dev mail catcher's page (it shows invitation links).
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/dev/mail") {
			w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'; default-src 'none'; style-src 'unsafe-inline'")
			w.Header().Set("X-Frame-Options", "DENY")
		}
		next.ServeHTTP(w, r)
	})
}
