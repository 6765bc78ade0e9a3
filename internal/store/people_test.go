package store_test

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// TestPasswordResetStoredHashed: the reset link's token is never in the database,
// only its hash; and the queued system mail is sealed.
func TestPasswordResetStoredHashed(t *testing.T) {
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { c.SystemMail = true; c.BaseURL = "https://sb.example" }}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		signUp(t, s, "ann")
		if err := s.RequestPasswordReset(ctx, sb.Client{IP: "192.0.2.1"}, sb.PasswordResetInput{Email: "ann@example.com"}); err != nil {
			t.Fatal(err)
		}
		var hash, payload string
		if err := s.DB().QueryRow(`SELECT token_hash FROM password_resets`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow(`SELECT payload FROM system_mail`).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		jobs, err := s.ClaimSystemMail(ctx, 10, 60e9)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim: %v %d", err, len(jobs))
		}
		text := jobs[0].Email.Text
		i := len("https://sb.example/reset/")
		start := indexOf(text, "https://sb.example/reset/sbp_")
		if start < 0 {
			t.Fatalf("no link in %q", text)
		}
		token := text[start+i : start+i+len("sbp_")+43]
		if hash == token || indexOf(payload, "sbp_") >= 0 || indexOf(payload, "reset") >= 0 {
			t.Fatalf("token or link stored in the clear: hash %q payload %q", hash, payload)
		}
		if err := s.CheckPasswordReset(ctx, token); err != nil {
			t.Fatalf("the mailed token does not work: %v", err)
		}
		// A second claim while leased gets nothing; a finished message is blanked.
		if again, _ := s.ClaimSystemMail(ctx, 10, 60e9); len(again) != 0 {
			t.Fatal("a leased message was claimed twice")
		}
		if err := s.FinishSystemMail(ctx, jobs[0], sb.MailResult{Sent: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow(`SELECT payload FROM system_mail`).Scan(&payload); err != nil || payload != "" {
			t.Fatalf("sent message kept its payload: %q %v", payload, err)
		}
	})
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
