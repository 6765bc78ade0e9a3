package store

import (
	"context"
	"runtime"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Password hashing (argon2id, 19 MiB each by default) is the one thing an
// unauthenticated caller can make the server do at will, so at most hashSlots run
// at once (one per core by default). A caller waits for a slot for up to
// hashWait; beyond it the answer is 429 with Retry-After, and memory stays flat.

func (c Config) hashSlots() int {
	if c.PasswordHashers > 0 {
		return c.PasswordHashers
	}
	return max(runtime.NumCPU(), 1)
}

func (c Config) hashWait() time.Duration {
	if c.PasswordHashWait > 0 {
		return c.PasswordHashWait
	}
	return 3 * time.Second
}

// hashing runs fn, which hashes or checks a password, in one of the slots.
func (s *Store) hashing(ctx context.Context, fn func()) error {
	select {
	case s.hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(s.cfg.hashWait())
		defer t.Stop()
		select {
		case s.hashSlots <- struct{}{}:
		case <-t.C:
			return &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: 1,
				Message: "The server is busy checking passwords; wait a second and try again."}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}
