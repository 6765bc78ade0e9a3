package store_test

import (
	"context"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
)

// TestDevMailSharedThroughTheDatabase: serve --dev's catcher keeps what it
// catches in the database, so another replica's /dev/mail (another catcher on the
// same database) shows it, and only the newest 500 are kept.
func TestDevMailSharedThroughTheDatabase(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		a, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{Keeper: s})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{Keeper: s})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		msg := "From: ops@example.com\r\nTo: ada@example.com\r\nSubject: Reset your password\r\n\r\nOpen https://sb.example/reset/abc to choose a new one.\r\n"
		if err := smtp.SendMail(a.Addr(), nil, "ops@example.com", []string{"ada@example.com"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, httptest.NewRequest("GET", "/dev/mail", nil))
		page := rec.Body.String()
		for _, want := range []string{"Reset your password", "ada@example.com", `<a href="https://sb.example/reset/abc">`} {
			if !strings.Contains(page, want) {
				t.Fatalf("the other catcher's page lacks %q:\n%s", want, page)
			}
		}

		ctx := context.Background()
		for i := range 505 {
			if err := s.KeepCaughtMail(ctx, mail.Caught{At: time.Now(), From: "x@example.com", To: []string{"y@example.com"}, Subject: "n" + strings.Repeat("!", i%3)}); err != nil {
				t.Fatal(err)
			}
		}
		kept, err := s.RecentCaughtMail(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 500 || kept[0].ID <= kept[1].ID {
			t.Fatalf("kept %d messages, newest first %v", len(kept), len(kept) > 1 && kept[0].ID > kept[1].ID)
		}
	})
}
