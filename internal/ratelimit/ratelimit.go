// Package ratelimit holds the in-process token buckets the API and the console
// limit log-ins, sign-ups and token lookups with.
package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Keyed is a set of token buckets, one per key (an address, an email, a workspace).
type Keyed struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
	now     func() time.Time
}

// New gives each key a bucket of burst tokens, refilled one per every.
func New(every time.Duration, burst int, now func() time.Time) *Keyed {
	return &Keyed{every: rate.Every(every), burst: burst, buckets: map[string]*rate.Limiter{}, now: now}
}

func (k *Keyed) bucket(key string) *rate.Limiter {
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

// Reserve takes one token of the key at once, before the work it guards, so that
// parallel requests cannot all pass one check; with none left it answers
// rate_limited (what names what is counted) and takes nothing. refund gives the
// token back, for outcomes that should not count (a correct password, a refused
// request).
func (k *Keyed) Reserve(key, what string) (refund func(), err error) {
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
