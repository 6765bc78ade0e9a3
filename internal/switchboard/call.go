package switchboard

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Call directions, outcomes and transcript speakers.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"

	SpeakerAssistant = "assistant"
	SpeakerUser      = "user"
)

// Outcomes lists every call outcome, in the order analytics shows them.
var Outcomes = []string{"completed", "no_answer", "busy", "voicemail", "failed", "transferred", OutcomeDoNotCall}

// Limits of a reported call.
const (
	MaxCallDuration       = 24 * time.Hour
	MaxTranscriptTurns    = 2000
	MaxTranscriptBytes    = 1 << 20
	MaxExternalIDLength   = 200
	MaxRecordingURLLength = 2000
	MaxAnalyticsDays      = 400
)

// Call is a finished call as the voice engine reported it (metadata only).
type Call struct {
	ID              string    `json:"id"`
	WorkspaceID     string    `json:"workspace_id"`
	ExternalID      string    `json:"external_id"`
	Direction       string    `json:"direction"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	StartedAt       time.Time `json:"started_at"`
	EndedAt         time.Time `json:"ended_at"`
	DurationSeconds int64     `json:"duration_seconds"`
	Outcome         string    `json:"outcome"`
	AssistantID     *string   `json:"assistant_id"`
	CampaignID      *string   `json:"campaign_id"`
	ContactID       *string   `json:"contact_id"`
	CreatedAt       time.Time `json:"created_at"`
}

// Turn is one turn of a conversation.
type Turn struct {
	Speaker string `json:"speaker"`
	Text    string `json:"text"`
	AtMS    int64  `json:"at_ms"`
}

// Conversation is a call's transcript and recording.
type Conversation struct {
	Transcript   []Turn  `json:"transcript"`
	RecordingURL *string `json:"recording_url"`
}

// ReportCallInput is the body of POST /workspaces/{ws}/calls. Times are strings so
// that a malformed one is a field error, not an unreadable body.
type ReportCallInput struct {
	ExternalID   string  `json:"external_id"`
	Direction    string  `json:"direction"`
	From         string  `json:"from"`
	To           string  `json:"to"`
	StartedAt    string  `json:"started_at"`
	EndedAt      string  `json:"ended_at"`
	Outcome      string  `json:"outcome"`
	AssistantID  *string `json:"assistant_id,omitempty"`
	CampaignID   *string `json:"campaign_id,omitempty"`
	ContactID    *string `json:"contact_id,omitempty"`
	DispatchID   *string `json:"dispatch_id,omitempty"`
	Transcript   []Turn  `json:"transcript,omitempty"`
	RecordingURL *string `json:"recording_url,omitempty"`

	// Set by Validate, never read from JSON.
	Started  time.Time `json:"-"`
	Ended    time.Time `json:"-"`
	Duration int64     `json:"-"`
}

// Normalize trims the input; empty optional ids count as absent.
func (in *ReportCallInput) Normalize() {
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	in.Direction = strings.TrimSpace(in.Direction)
	in.Outcome = strings.TrimSpace(in.Outcome)
	in.From = strings.TrimSpace(in.From)
	in.To = strings.TrimSpace(in.To)
	for _, p := range []**string{&in.AssistantID, &in.CampaignID, &in.ContactID, &in.DispatchID, &in.RecordingURL} {
		if *p != nil {
			s := strings.TrimSpace(**p)
			if s == "" {
				*p = nil
			} else {
				*p = &s
			}
		}
	}
}

// Validate checks a reported call and works out its duration: ended − started in
// whole seconds, rounded up (calls are metered per second).
func (in *ReportCallInput) Validate() error {
	var v Validation
	if n := utf8.RuneCountInString(in.ExternalID); n < 1 || n > MaxExternalIDLength {
		v.Add("body.external_id", "The external_id (the voice engine's call id) must be 1 to %d characters long.", MaxExternalIDLength)
	}
	if in.Direction != DirectionInbound && in.Direction != DirectionOutbound {
		v.Add("body.direction", "The direction must be \"inbound\" or \"outbound\".")
	}
	if !ValidOutcome(in.Outcome) {
		v.Add("body.outcome", "The outcome must be one of %s.", strings.Join(Outcomes, ", "))
	}
	if !IsE164(in.From) {
		v.Add("body.from", "The from number must be in E.164 form: + then 7 to 15 digits, e.g. +14155550123.")
	}
	if !IsE164(in.To) {
		v.Add("body.to", "The to number must be in E.164 form: + then 7 to 15 digits, e.g. +14155550123.")
	}
	var okStart, okEnd bool
	in.Started, okStart = parseCallTime(in.StartedAt)
	if !okStart {
		v.Add("body.started_at", "The started_at time must be RFC 3339, e.g. 2026-03-01T09:00:00Z.")
	}
	in.Ended, okEnd = parseCallTime(in.EndedAt)
	if !okEnd {
		v.Add("body.ended_at", "The ended_at time must be RFC 3339, e.g. 2026-03-01T09:05:00Z.")
	}
	if okStart && okEnd {
		d := in.Ended.Sub(in.Started)
		switch {
		case d < 0:
			v.Add("body.ended_at", "The call cannot end before it started; ended_at must not be earlier than started_at.")
		case d > MaxCallDuration:
			v.Add("body.ended_at", "A call can last at most 24 hours; check started_at and ended_at.")
		default:
			in.Duration = int64((d + time.Second - 1) / time.Second)
		}
	}
	for _, f := range []struct {
		loc string
		p   *string
	}{{"body.assistant_id", in.AssistantID}, {"body.campaign_id", in.CampaignID}, {"body.contact_id", in.ContactID}, {"body.dispatch_id", in.DispatchID}} {
		if f.p != nil && len(*f.p) > 100 {
			v.Add(f.loc, "The id is too long; use an id from this workspace.")
		}
	}
	if in.RecordingURL != nil {
		u, err := url.Parse(*in.RecordingURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(*in.RecordingURL) > MaxRecordingURLLength {
			v.Add("body.recording_url", "The recording_url must be an http or https URL of at most %d characters.", MaxRecordingURLLength)
		}
	}
	if len(in.Transcript) > MaxTranscriptTurns {
		v.Add("body.transcript", "A transcript can have at most %d turns.", MaxTranscriptTurns)
	} else {
		size := 0
		for i, t := range in.Transcript {
			if t.Speaker != SpeakerAssistant && t.Speaker != SpeakerUser {
				v.Add("body.transcript["+strconv.Itoa(i)+"].speaker", "The speaker must be \"assistant\" or \"user\".")
			}
			if t.AtMS < 0 || t.AtMS > MaxCallDuration.Milliseconds() {
				v.Add("body.transcript["+strconv.Itoa(i)+"].at_ms", "The at_ms offset must be from 0 to the length of the call in milliseconds.")
			}
			size += len(t.Text)
		}
		if size > MaxTranscriptBytes {
			v.Add("body.transcript", "A transcript can hold at most 1 MB of text.")
		}
	}
	return v.Err()
}

// ValidOutcome reports whether o is one of Outcomes.
func ValidOutcome(o string) bool {
	for _, x := range Outcomes {
		if x == o {
			return true
		}
	}
	return false
}

// IsE164 is a simple E.164 check: a plus sign, then 7 to 15 digits, the first not 0.
func IsE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseCallTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	// Times are answered in UTC: they must be writable there (years 1 to 9999).
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// AuthorizeCallInput is the body of POST /workspaces/{ws}/calls/authorize.
type AuthorizeCallInput struct {
	// EstimatedSeconds is informational: the answer depends only on whether
	// minutes remain, as product.md defines it.
	EstimatedSeconds *int64 `json:"estimated_seconds,omitempty"`
}

// Validate checks the estimate.
func (in AuthorizeCallInput) Validate() error {
	var v Validation
	if in.EstimatedSeconds != nil && (*in.EstimatedSeconds < 0 || *in.EstimatedSeconds > int64(MaxCallDuration/time.Second)) {
		v.Add("body.estimated_seconds", "The estimate must be from 0 to 86400 seconds.")
	}
	return v.Err()
}

// CallAuthorization is the answer of POST calls/authorize.
type CallAuthorization struct {
	Allowed bool `json:"allowed"`
	// RemainingSeconds is the smallest of the limits that apply: the workspace's
	// remaining budget, its agency's, and for a workspace drawing on the account
	// the account's unallocated seconds.
	RemainingSeconds *int64 `json:"remaining_seconds"`
}

// CallFilter narrows a call list.
type CallFilter struct {
	From, To    *time.Time
	Outcome     string
	AssistantID string
	CampaignID  string
}

// Validate checks the filter.
func (f CallFilter) Validate() error {
	var v Validation
	if f.Outcome != "" && !ValidOutcome(f.Outcome) {
		v.Add("query.outcome", "The outcome must be one of %s.", strings.Join(Outcomes, ", "))
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		v.Add("query.to", "The end of the range must not be before its start.")
	}
	return v.Err()
}

// AnalyticsQuery asks for a workspace's figures over [From, To).
type AnalyticsQuery struct {
	From, To time.Time
	Interval string
}

// Analytics is the answer of GET /workspaces/{ws}/analytics.
type Analytics struct {
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	Interval string           `json:"interval"`
	Totals   AnalyticsTotals  `json:"totals"`
	Series   []AnalyticsPoint `json:"series"`
	ByAsst   []AssistantStats `json:"by_assistant"`
	// Clients is an agency's per-client breakdown: its totals and series roll up its
	// own calls and those of every client sub-workspace (as its usage does), and
	// each client's share is here. Empty for a workspace that is not an agency.
	Clients []ClientStats `json:"clients"`
	// Own is the workspace's own calls, without its clients'.
	Own CallCount `json:"own"`
}

// AnalyticsTotals are the range's totals.
type AnalyticsTotals struct {
	Calls     int64            `json:"calls"`
	Seconds   int64            `json:"seconds"`
	ByOutcome map[string]int64 `json:"by_outcome"`
}

// AnalyticsPoint is one interval of the series.
type AnalyticsPoint struct {
	Start   time.Time `json:"start"`
	Calls   int64     `json:"calls"`
	Seconds int64     `json:"seconds"`
	// ByOutcome counts the day's calls by outcome (every outcome present).
	ByOutcome map[string]int64 `json:"by_outcome"`
}

// AssistantStats are one assistant's figures over the range.
type AssistantStats struct {
	AssistantID string `json:"assistant_id"`
	Calls       int64  `json:"calls"`
	Seconds     int64  `json:"seconds"`
	// Name is the assistant's name ("" when it was deleted); WorkspaceID is its
	// workspace (a client's, in an agency's roll-up).
	Name        string `json:"name"`
	WorkspaceID string `json:"workspace_id"`
}

// CallCount is a number of calls and their seconds.
type CallCount struct {
	Calls   int64 `json:"calls"`
	Seconds int64 `json:"seconds"`
}

// ClientStats is one client sub-workspace's share of its agency's analytics.
type ClientStats struct {
	WorkspaceID string           `json:"workspace_id"`
	Name        string           `json:"name"`
	Deleted     bool             `json:"deleted"`
	Calls       int64            `json:"calls"`
	Seconds     int64            `json:"seconds"`
	ByOutcome   map[string]int64 `json:"by_outcome"`
}

// Day is the analytics interval.
const Day = 24 * time.Hour

// CallService records calls, answers whether a workspace may call, and reports.
type CallService interface {
	AuthorizeCall(ctx context.Context, actor Actor, workspaceID string, in AuthorizeCallInput) (*CallAuthorization, error)
	// ReportCall records a finished call; created is false for a replay of an
	// external_id already recorded (then nothing is debited).
	ReportCall(ctx context.Context, actor Actor, workspaceID string, in ReportCallInput) (call *Call, created bool, err error)
	ListCalls(ctx context.Context, actor Actor, workspaceID string, f CallFilter, p Page) (calls []Call, nextCursor string, err error)
	GetCall(ctx context.Context, actor Actor, workspaceID, id string) (*Call, error)
	GetConversation(ctx context.Context, actor Actor, workspaceID, id string) (*Conversation, error)
	Analytics(ctx context.Context, actor Actor, workspaceID string, q AnalyticsQuery) (*Analytics, error)
}
