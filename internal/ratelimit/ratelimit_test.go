package ratelimit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Parallel callers cannot all pass: exactly the burst is handed out, the rest are
// refused with a Retry-After, and a refund gives a token back.
func TestReserveIsAtomicAndRefunds(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	k := New(time.Minute, 10, func() time.Time { return now })
	var granted, refused atomic.Int64
	var wg sync.WaitGroup
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := k.Reserve("ada@example.com", "tries")
			switch e, _ := err.(*sb.Error); {
			case err == nil:
				granted.Add(1)
			case e != nil && e.Code == sb.ECodeRateLimited && e.RetryAfter >= 1:
				refused.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 10 || refused.Load() != 15 {
		t.Fatalf("granted %d, refused %d; want 10 and 15", granted.Load(), refused.Load())
	}
	if _, err := k.Reserve("bob@example.com", "tries"); err != nil {
		t.Fatalf("another key is limited too: %v", err)
	}
	k2 := New(time.Minute, 1, func() time.Time { return now })
	refund, err := k2.Reserve("x", "tries")
	if err != nil {
		t.Fatal(err)
	}
	refund()
	if _, err := k2.Reserve("x", "tries"); err != nil {
		t.Fatalf("a refunded token was not given back: %v", err)
	}
	if _, err := k2.Reserve("x", "tries"); err == nil {
		t.Fatal("a second token was handed out of a bucket of one")
	}
}
