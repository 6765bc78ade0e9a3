package switchboard

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// OutcomeDoNotCall is the outcome of a call whose contact asked never to be called
// again: it sets the contact's do_not_call.
const OutcomeDoNotCall = "do_not_call"

// RetryOutcomes are the outcomes a retry rule may name.
var RetryOutcomes = []string{"no_answer", "busy", "voicemail", "failed"}

// Retry is a campaign's retry rule: a contact whose call ends with one of
// OnOutcomes is called again after DelayMinutes, up to MaxAttempts calls in all.
type Retry struct {
	MaxAttempts  int64    `json:"max_attempts"`
	DelayMinutes int64    `json:"delay_minutes"`
	OnOutcomes   []string `json:"on_outcomes"`
}

// OptionalInt is a JSON number that may be absent (Set false), null (Set, nil) or a
// value.
type OptionalInt struct {
	Set   bool
	Value *int64
}

// UnmarshalJSON records that the field was present, null included.
func (o *OptionalInt) UnmarshalJSON(b []byte) error {
	o.Set, o.Value = true, nil
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// MarshalJSON writes the value or null.
func (o OptionalInt) MarshalJSON() ([]byte, error) { return json.Marshal(o.Value) }

// Int sets an OptionalInt to v.
func Int(v int64) OptionalInt { return OptionalInt{Set: true, Value: &v} }

// DefaultRetry calls each contact once.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 1, DelayMinutes: 60, OnOutcomes: []string{}}
}

func (r *Retry) validate(v *Validation, prefix string) {
	if r.MaxAttempts < 1 || r.MaxAttempts > 10 {
		v.Add(prefix+".max_attempts", "max_attempts counts the first call and must be from 1 to 10.")
	}
	if r.DelayMinutes < 0 || r.DelayMinutes > 30*24*60 {
		v.Add(prefix+".delay_minutes", "delay_minutes must be from 0 to 43200 (30 days).")
	}
	if r.OnOutcomes == nil {
		r.OnOutcomes = []string{}
	}
	seen := map[string]bool{}
	for i, o := range r.OnOutcomes {
		o = strings.TrimSpace(o)
		r.OnOutcomes[i] = o
		ok := false
		for _, x := range RetryOutcomes {
			ok = ok || x == o
		}
		if !ok {
			v.Add(prefix+".on_outcomes", "Unknown outcome %q; a retry may follow no_answer, busy, voicemail or failed.", o)
		} else if seen[o] {
			v.Add(prefix+".on_outcomes", "The outcome %q is listed twice.", o)
		}
		seen[o] = true
	}
}

// Retries reports whether a call ending with outcome after attempt n is called again.
func (r Retry) Retries(outcome string, n int64) bool {
	if n >= r.MaxAttempts {
		return false
	}
	return r.Listed(outcome)
}

// Listed reports whether outcome is one the rule retries.
func (r Retry) Listed(outcome string) bool {
	for _, o := range r.OnOutcomes {
		if o == outcome {
			return true
		}
	}
	return false
}

// Progress counts the contacts of a campaign's audience snapshot, each in exactly
// one state (campaigns.md, "Precisely"); Cancelled counts those a stop cancelled.
type Progress struct {
	Audience       int64 `json:"audience"`
	Pending        int64 `json:"pending"`
	InFlight       int64 `json:"in_flight"`
	Completed      int64 `json:"completed"`
	Failed         int64 `json:"failed"`
	RetryScheduled int64 `json:"retry_scheduled"`
	DoNotCall      int64 `json:"do_not_call"`
	Cancelled      int64 `json:"cancelled"`
}

// Attempt statuses.
const (
	AttemptPending        = "pending"
	AttemptInFlight       = "in_flight"
	AttemptCompleted      = "completed"
	AttemptFailed         = "failed"
	AttemptRetryScheduled = "retry_scheduled"
	AttemptCancelled      = "cancelled"
)

// AttemptStatuses lists every attempt status.
var AttemptStatuses = []string{AttemptPending, AttemptInFlight, AttemptCompleted, AttemptFailed, AttemptRetryScheduled, AttemptCancelled}

// Attempt is one dispatch of a campaign to one contact.
type Attempt struct {
	ID           string     `json:"id"`
	ContactID    string     `json:"contact_id"`
	Attempt      int64      `json:"attempt"`
	Status       string     `json:"status"`
	DispatchedAt *time.Time `json:"dispatched_at"`
	CallID       *string    `json:"call_id"`
	Outcome      *string    `json:"outcome"`
	Reason       *string    `json:"reason"`
	DueAt        time.Time  `json:"due_at"`
}

// AttemptFilter narrows the attempts list.
type AttemptFilter struct {
	Status string
	Page
}

// VoiceEngine is a workspace's voice-engine integration as shown: the secret is
// write-only.
type VoiceEngine struct {
	URL           string     `json:"url"`
	SecretSet     bool       `json:"secret_set"`
	InheritedFrom *string    `json:"inherited_from"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

// VoiceEngineInput is the body of PUT integrations/voice-engine. A missing secret
// keeps the stored one, allowed only while the URL's host and port stay the same.
type VoiceEngineInput struct {
	URL    string  `json:"url"`
	Secret *string `json:"secret,omitempty"`
}

// Normalize trims the input.
func (in *VoiceEngineInput) Normalize() { in.URL = strings.TrimSpace(in.URL) }

// Validate checks the URL (http or https, a host, no credentials) and the secret.
func (in *VoiceEngineInput) Validate() error {
	var v Validation
	u, err := url.Parse(in.URL)
	switch {
	case in.URL == "" || err != nil || u.Host == "" || u.Hostname() == "":
		v.Add("body.url", "The url must be an absolute http or https URL, such as https://engine.example.com/dispatch.")
	case u.Scheme != "http" && u.Scheme != "https":
		v.Add("body.url", "The url must start with https:// (or http://).")
	case u.User != nil:
		v.Add("body.url", "The url must not carry a user name or password; the secret signs each request instead.")
	case len(in.URL) > 2000:
		v.Add("body.url", "The url must be at most 2000 characters long.")
	}
	if in.Secret != nil && (len(*in.Secret) < 16 || len(*in.Secret) > 500) {
		v.Add("body.secret", "The secret must be 16 to 500 characters long.")
	}
	return v.Err()
}

// EngineTest is the answer of POST integrations/voice-engine/test.
type EngineTest struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// Dialling errors.
const ECodeEngineError = "engine_error"

// VoiceEngineService manages the voice-engine integration (admin+).
type VoiceEngineService interface {
	GetVoiceEngine(ctx context.Context, actor Actor, workspaceID string) (*VoiceEngine, error)
	PutVoiceEngine(ctx context.Context, actor Actor, workspaceID string, in VoiceEngineInput) (*VoiceEngine, error)
	DeleteVoiceEngine(ctx context.Context, actor Actor, workspaceID string) error
	TestVoiceEngine(ctx context.Context, actor Actor, workspaceID string) (*EngineTest, error)
	// ListAttempts lists a campaign's attempts (member+).
	ListAttempts(ctx context.Context, actor Actor, workspaceID, campaignID string, f AttemptFilter) ([]Attempt, string, error)
}

// EngineClient sends signed requests to voice engines through the SSRF guard.
type EngineClient interface {
	// CheckURL refuses URLs whose host resolves to addresses tenants must not reach.
	CheckURL(ctx context.Context, rawURL string) error
	// Post sends body signed with secret; it returns the answer's status and a short
	// detail, or an error when no answer came.
	Post(ctx context.Context, rawURL, secret, idempotencyKey string, body []byte) (int, string, error)
}

// Dispatch is one claimed send of an attempt to its engine.
type Dispatch struct {
	ID          string
	Lease       int64
	WorkspaceID string
	CampaignID  string
	URL         string
	Secret      string
	Body        []byte
	// Sends counts earlier sends of this dispatch that got no usable answer.
	Sends int64
}

// DispatchResult is what became of one send.
type DispatchResult struct {
	// Taken: the engine answered 2xx.
	Taken bool
	// Refused: a 4xx other than 408 and 429; the attempt fails for good.
	Refused bool
	Status  int
	Detail  string
	// RetryIn, when neither taken nor refused, is when to send again.
	RetryIn time.Duration
}

// DialerStore is what the dialler worker needs from the store.
type DialerStore interface {
	// ClaimDispatches expires attempts past their deadline, completes campaigns with
	// nothing left, claims new attempts within each running campaign's limits and
	// sends that are due again; each returned dispatch is leased to the caller.
	ClaimDispatches(ctx context.Context, limit int) ([]Dispatch, error)
	// FinishDispatches records the results of a round's sends (rs[i] is ds[i]'s).
	FinishDispatches(ctx context.Context, ds []Dispatch, rs []DispatchResult) error
}

// ScheduleOpen reports whether the schedule lets a campaign call at now, in the
// schedule's time zone: on one of its days, between start_time (inclusive) and
// end_time (exclusive), and within its dates.
func (s Schedule) Open(now time.Time) bool {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return false
	}
	local := now.In(loc)
	day := strings.ToLower(local.Weekday().String()[:3])
	found := false
	for _, d := range s.Days {
		found = found || d == day
	}
	if !found {
		return false
	}
	date := local.Format(time.DateOnly)
	if s.StartDate != nil && date < *s.StartDate {
		return false
	}
	if s.EndDate != nil && date > *s.EndDate {
		return false
	}
	start, ok1 := clockMinutes(s.StartTime)
	end, ok2 := clockMinutes(s.EndTime)
	m := local.Hour()*60 + local.Minute()
	return ok1 && ok2 && m >= start && m < end
}

// LocalDayStart is the start of now's day in the schedule's time zone.
func (s Schedule) LocalDayStart(now time.Time) time.Time {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}
