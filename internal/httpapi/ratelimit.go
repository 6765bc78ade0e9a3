package httpapi

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// keyed is a set of token buckets, one per key (an address, an email, a workspace).
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
			// Drop full buckets: their keys have been quiet long enough.
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

// check answers a rate_limited error when the key has no token left, without
// taking one.
func (k *keyed) check(key, what string) error {
	b := k.bucket(key)
	now := k.now()
	if tokens := b.TokensAt(now); tokens < 1 {
		wait := time.Duration((1 - tokens) / float64(k.every) * float64(time.Second))
		secs := int(math.Ceil(wait.Seconds()))
		if secs < 1 {
			secs = 1
		}
		return &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: secs,
			Message: fmt.Sprintf("Too many %s; wait %d second(s) and try again.", what, secs)}
	}
	return nil
}

// take uses one token of the key.
func (k *keyed) take(key string) { k.bucket(key).AllowN(k.now(), 1) }

// limits are the API's rate limits.
type limits struct {
	loginFailuresByIP    *keyed
	loginFailuresByEmail *keyed
	invitesByWorkspace   *keyed // invitations created or resent, per workspace
	testSendsByWorkspace *keyed // SMTP test messages, per workspace
	tokenLookupsByIP     *keyed // invitation token previews and accepts, per client address
}

func newLimits(now func() time.Time) *limits {
	return &limits{
		loginFailuresByIP:    newKeyed(2*time.Second, 200, now),
		loginFailuresByEmail: newKeyed(time.Minute, 10, now),
		invitesByWorkspace:   newKeyed(36*time.Second, 100, now), // 100 an hour
		testSendsByWorkspace: newKeyed(time.Minute, 10, now),
		tokenLookupsByIP:     newKeyed(time.Second, 60, now),
	}
}
