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
// taking one. Prefer reserve: check then take can be raced. Kept for callers on
// other branches.
//
//lint:ignore U1000 kept for other branches' limiters until they move to reserve
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
//
//lint:ignore U1000 kept for other branches' limiters until they move to reserve
func (k *keyed) take(key string) { k.bucket(key).AllowN(k.now(), 1) }

// DefaultSignUpsPerHour is the sign-up allowance of one client address: roomy
// enough for an office behind one address.
const DefaultSignUpsPerHour = 1000

// limits are the API's rate limits.
type limits struct {
	loginFailuresByIP    *keyed
	loginFailuresByEmail *keyed
	invitesByWorkspace   *keyed // invitations created or resent, per workspace
	testSendsByWorkspace *keyed // SMTP test messages, per workspace
	tokenLookupsByIP     *keyed // invitation token previews and accepts, per client address
	signUpsByIP          *keyed // accounts created, per client address
}

// newLimits makes the API's limits; signUps is the number of sign-ups an address
// may make in an hour (a burst of as many, refilled evenly).
func newLimits(now func() time.Time, signUps int) *limits {
	if signUps <= 0 {
		signUps = DefaultSignUpsPerHour
	}
	return &limits{
		loginFailuresByIP:    newKeyed(2*time.Second, 200, now),
		loginFailuresByEmail: newKeyed(time.Minute, 10, now),
		invitesByWorkspace:   newKeyed(36*time.Second, 100, now), // 100 an hour
		testSendsByWorkspace: newKeyed(time.Minute, 10, now),
		tokenLookupsByIP:     newKeyed(time.Second, 60, now),
		signUpsByIP:          newKeyed(time.Hour/time.Duration(signUps), signUps, now),
	}
}

// reserve takes one token of the key at once, before the work it guards, so that
// parallel requests cannot all pass one check; with none left it answers
// rate_limited and takes nothing. refund gives the token back, for outcomes that
// should not count (a correct password, a refused request).
func (k *keyed) reserve(key, what string) (refund func(), err error) {
	b := k.bucket(key)
	now := k.now()
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return func() {}, &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: 60, Message: fmt.Sprintf("Too many %s; wait a minute and try again.", what)}
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		secs := max(int(math.Ceil(wait.Seconds())), 1)
		return func() {}, &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: secs,
			Message: fmt.Sprintf("Too many %s; wait %d second(s) and try again.", what, secs)}
	}
	return func() { r.CancelAt(k.now()) }, nil
}
