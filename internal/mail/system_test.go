package mail

import (
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		url, from string
		want      sb.SMTPServer
	}{
		{"smtp://u:p%40ss@mail.example.com:2525", "Ops <ops@example.com>",
			sb.SMTPServer{Host: "mail.example.com", Port: 2525, Username: "u", Password: "p@ss", FromEmail: "ops@example.com", FromName: "Ops", Security: securityOpportunistic}},
		{"smtps://mail.example.com", "noreply@example.com",
			sb.SMTPServer{Host: "mail.example.com", Port: 465, FromEmail: "noreply@example.com", Security: sb.SecurityTLS}},
		{"smtp://mail.example.com?security=starttls", "",
			sb.SMTPServer{Host: "mail.example.com", Port: 587, FromEmail: "noreply@mail.example.com", FromName: "Switchboard", Security: sb.SecurityStartTLS}},
	} {
		got, err := ParseSMTPURL(c.url, c.from)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"http://mail.example.com", "smtp://", "smtp://h:0", "smtp://h?security=tls"} {
		if _, err := ParseSMTPURL(bad, ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := ParseSMTPURL("smtp://h", "not an address"); err == nil {
		t.Error("bad --mail-from accepted")
	}
}
