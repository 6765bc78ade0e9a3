package console

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// keyed is a set of token buckets, one per key (an address, an email).
type keyed struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
	now     func() time.Time
}

func newKeyed(every time.Duration, burst int, now func() time.Time) *keyed {
	return &keyed{every: rate.Every(every), burst: burst, buckets: map[string]*rate.Limiter{}, now: now}
}

func (k *keyed) bucket(key string) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.buckets[key]
	if !ok {
		if len(k.buckets) > 100_000 {
			now := k.now()
			for key, b := range k.buckets {
				if b.TokensAt(now) >= float64(k.burst) {
					delete(k.buckets, key)
				}
			}
		}
		b = rate.NewLimiter(k.every, k.burst)
		k.buckets[key] = b
	}
	return b
}

// check answers rate_limited when the key has no token left, without taking one.
func (k *keyed) check(key, what string) error {
	b := k.bucket(key)
	if tokens := b.TokensAt(k.now()); tokens < 1 {
		secs := int(math.Ceil((1 - tokens) / float64(k.every)))
		if secs < 1 {
			secs = 1
		}
		return &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: secs,
			Message: fmt.Sprintf("Too many %s; wait %d second(s) and try again.", what, secs)}
	}
	return nil
}

func (k *keyed) take(key string) { k.bucket(key).AllowN(k.now(), 1) }
