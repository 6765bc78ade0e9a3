package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestWebhookDeliveryFlag: --webhook-delivery takes on or off (also from
// SWITCHBOARD_WEBHOOK_DELIVERY), and off starts the server without the webhook
// worker.
func TestWebhookDeliveryFlag(t *testing.T) {
	none := func(string) string { return "" }
	err := Run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--webhook-delivery", "maybe"}, none, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "on or off") {
		t.Fatalf("--webhook-delivery maybe: %v, want a refusal", err)
	}
	env := func(k string) string {
		if k == "SWITCHBOARD_WEBHOOK_DELIVERY" {
			return "sometimes"
		}
		return ""
	}
	err = Run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_WEBHOOK_DELIVERY") {
		t.Fatalf("SWITCHBOARD_WEBHOOK_DELIVERY=sometimes: %v, want a refusal", err)
	}
	srv := startServe(t, none, "--data-dir", t.TempDir(), "--webhook-delivery", "off")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.Stderr.String(), "webhook delivery is off") {
		if time.Now().After(deadline) {
			t.Fatalf("no word that delivery is off: %s", srv.Stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
