package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/internal/redact"
)

// redactTokens replaces the secret part of every token in s (internal/redact).
func redactTokens(s string) string { return redact.Tokens(s) }

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
