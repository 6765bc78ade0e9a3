package httpapi

import (
	"time"

	"github.com/switchboard/switchboard/internal/ratelimit"
)

// DefaultSignUpsPerHour is the sign-up allowance of one client address: roomy
// enough for an office behind one address.
const DefaultSignUpsPerHour = 1000

// limits are the API's rate limits.
type limits struct {
	loginFailuresByIP    *ratelimit.Keyed
	loginFailuresByEmail *ratelimit.Keyed
	invitesByWorkspace   *ratelimit.Keyed // invitations created or resent, per workspace
	testSendsByWorkspace *ratelimit.Keyed // SMTP test messages, per workspace
	tokenLookupsByIP     *ratelimit.Keyed // invitation token previews and accepts, per client address
	signUpsByIP          *ratelimit.Keyed // accounts created, per client address
}

// newLimits makes the API's limits; signUps is the number of sign-ups an address
// may make in an hour (a burst of as many, refilled evenly).
func newLimits(now func() time.Time, signUps int) *limits {
	if signUps <= 0 {
		signUps = DefaultSignUpsPerHour
	}
	return &limits{
		loginFailuresByIP:    ratelimit.New(2*time.Second, 200, now),
		loginFailuresByEmail: ratelimit.New(time.Minute, 10, now),
		invitesByWorkspace:   ratelimit.New(36*time.Second, 100, now), // 100 an hour
		testSendsByWorkspace: ratelimit.New(time.Minute, 10, now),
		tokenLookupsByIP:     ratelimit.New(time.Second, 60, now),
		signUpsByIP:          ratelimit.New(time.Hour/time.Duration(signUps), signUps, now),
	}
}
