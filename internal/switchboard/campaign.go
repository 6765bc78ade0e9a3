package switchboard

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // IANA time zones even where the system has none
	"unicode/utf8"
)

// Campaign states.
const (
	CampaignDraft     = "draft"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCompleted = "completed"
	CampaignStopped   = "stopped"
)

// Campaign actions (POST campaigns/{id}/{action}).
const (
	CampaignStart  = "start"
	CampaignPause  = "pause"
	CampaignResume = "resume"
	CampaignStop   = "stop"
)

// campaignTransitions is the state machine: for each action, the states it may start
// from and the state it leads to. Completed is reached by the dialler, not by an action.
var campaignTransitions = map[string]struct {
	from []string
	to   string
}{
	CampaignStart:  {[]string{CampaignDraft}, CampaignRunning},
	CampaignPause:  {[]string{CampaignRunning}, CampaignPaused},
	CampaignResume: {[]string{CampaignPaused}, CampaignRunning},
	CampaignStop:   {[]string{CampaignRunning, CampaignPaused}, CampaignStopped},
}

// CampaignTransition returns the states an action may start from and the state it
// leads to; ok is false for an unknown action.
func CampaignTransition(action string) (from []string, to string, ok bool) {
	t, ok := campaignTransitions[action]
	return t.from, t.to, ok
}

// Campaign is an assistant calling the contacts that carry a tag, within a schedule.
// DailyCap caps the calls started per local day (nil: none); PausedReason says why
// the dialler paused it; Progress is where each contact of the audience snapshot
// stands (campaigns.md).
type Campaign struct {
	ID                 string    `json:"id"`
	WorkspaceID        string    `json:"workspace_id"`
	Name               string    `json:"name"`
	AssistantID        *string   `json:"assistant_id"`
	ContactTag         string    `json:"contact_tag"`
	MaxConcurrentCalls int64     `json:"max_concurrent_calls"`
	Schedule           Schedule  `json:"schedule"`
	Status             string    `json:"status"`
	AudienceSize       int64     `json:"audience_size"`
	DailyCap           *int64    `json:"daily_cap"`
	Retry              Retry     `json:"retry"`
	PausedReason       *string   `json:"paused_reason"`
	Progress           Progress  `json:"progress"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Schedule is when a campaign may call: days of the week and hours in a time zone,
// optionally between two dates.
type Schedule struct {
	Timezone  string   `json:"timezone"`
	Days      []string `json:"days"`
	StartTime string   `json:"start_time"`
	EndTime   string   `json:"end_time"`
	StartDate *string  `json:"start_date"`
	EndDate   *string  `json:"end_date"`
}

// DefaultSchedule is a new campaign's schedule when none is given: weekdays, nine to
// five, UTC.
func DefaultSchedule() Schedule {
	return Schedule{Timezone: "UTC", Days: []string{"mon", "tue", "wed", "thu", "fri"}, StartTime: "09:00", EndTime: "17:00"}
}

var weekdays = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}

// Normalize trims and lower-cases the schedule's fields.
func (s *Schedule) Normalize() {
	s.Timezone = strings.TrimSpace(s.Timezone)
	for i, d := range s.Days {
		s.Days[i] = strings.ToLower(strings.TrimSpace(d))
	}
	s.StartTime, s.EndTime = strings.TrimSpace(s.StartTime), strings.TrimSpace(s.EndTime)
	trim(&s.StartDate)
	trim(&s.EndDate)
	if s.StartDate != nil && *s.StartDate == "" {
		s.StartDate = nil
	}
	if s.EndDate != nil && *s.EndDate == "" {
		s.EndDate = nil
	}
}

// validate checks the schedule, reporting fields under prefix.
func (s *Schedule) validate(v *Validation, prefix string) {
	if s.Timezone == "" || s.Timezone == "Local" {
		v.Add(prefix+".timezone", "The time zone must be an IANA name such as Europe/Paris or America/New_York.")
	} else if _, err := time.LoadLocation(s.Timezone); err != nil {
		v.Add(prefix+".timezone", "Unknown time zone %q; use an IANA name such as Europe/Paris or America/New_York.", s.Timezone)
	}
	if len(s.Days) == 0 {
		v.Add(prefix+".days", "Name at least one day of the week: mon, tue, wed, thu, fri, sat or sun.")
	}
	seen := map[string]bool{}
	for _, d := range s.Days {
		if !weekdays[d] {
			v.Add(prefix+".days", "Unknown day %q; use mon, tue, wed, thu, fri, sat or sun.", d)
		} else if seen[d] {
			v.Add(prefix+".days", "The day %q is listed twice.", d)
		}
		seen[d] = true
	}
	start, okStart := clockMinutes(s.StartTime)
	end, okEnd := clockMinutes(s.EndTime)
	if !okStart {
		v.Add(prefix+".start_time", "The start time must be HH:MM on a 24-hour clock, such as 09:00.")
	}
	if !okEnd {
		v.Add(prefix+".end_time", "The end time must be HH:MM on a 24-hour clock, such as 17:00.")
	}
	if okStart && okEnd && start >= end {
		v.Add(prefix+".end_time", "The end time must be later than the start time.")
	}
	var sd, ed time.Time
	var errS, errE error
	if s.StartDate != nil {
		if sd, errS = time.Parse(time.DateOnly, *s.StartDate); errS != nil {
			v.Add(prefix+".start_date", "The start date must be a date written YYYY-MM-DD.")
		}
	}
	if s.EndDate != nil {
		if ed, errE = time.Parse(time.DateOnly, *s.EndDate); errE != nil {
			v.Add(prefix+".end_date", "The end date must be a date written YYYY-MM-DD.")
		}
	}
	if s.StartDate != nil && s.EndDate != nil && errS == nil && errE == nil && ed.Before(sd) {
		v.Add(prefix+".end_date", "The end date must not be before the start date.")
	}
}

// clockMinutes parses "HH:MM" into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// MaxConcurrentCalls bounds a campaign's concurrent calls.
const MaxConcurrentCalls = 100

// CampaignInput is the body of POST (name required) and PATCH (only the fields
// present change) of a campaign. An empty assistant_id removes the assistant.
type CampaignInput struct {
	Name               *string   `json:"name,omitempty"`
	AssistantID        *string   `json:"assistant_id,omitempty"`
	ContactTag         *string   `json:"contact_tag,omitempty"`
	MaxConcurrentCalls *int64    `json:"max_concurrent_calls,omitempty"`
	Schedule           *Schedule `json:"schedule,omitempty"`
	// DailyCap: null (or 0) removes the cap; absent keeps it.
	DailyCap OptionalInt `json:"daily_cap"`
	Retry    *Retry      `json:"retry,omitempty"`
	// Status is accepted only to explain that it changes through the actions.
	Status *string `json:"status,omitempty"`
}

// Normalize trims the input.
func (in *CampaignInput) Normalize() {
	trim(&in.Name)
	trim(&in.AssistantID)
	trim(&in.ContactTag)
	if in.Schedule != nil {
		in.Schedule.Normalize()
	}
}

// Validate checks the fields present; creating requires a name.
func (in *CampaignInput) Validate(creating bool) error {
	var v Validation
	if in.Name != nil || creating {
		validateName(&v, deref(in.Name))
	}
	if in.ContactTag != nil && utf8.RuneCountInString(*in.ContactTag) > maxShortField {
		v.Add("body.contact_tag", "The contact tag must be at most %d characters long.", maxShortField)
	}
	if in.MaxConcurrentCalls != nil && (*in.MaxConcurrentCalls < 1 || *in.MaxConcurrentCalls > MaxConcurrentCalls) {
		v.Add("body.max_concurrent_calls", "The maximum of concurrent calls must be a whole number from 1 to %d.", MaxConcurrentCalls)
	}
	if in.Schedule != nil {
		in.Schedule.validate(&v, "body.schedule")
	}
	if in.DailyCap.Value != nil && (*in.DailyCap.Value < 0 || *in.DailyCap.Value > 10_000_000) {
		v.Add("body.daily_cap", "The daily cap must be a whole number of calls from 1 to 10000000, or 0 for none.")
	}
	if in.Retry != nil {
		in.Retry.validate(&v, "body.retry")
	}
	if in.Status != nil {
		v.Add("body.status", "The status cannot be set directly; use the start, pause, resume and stop actions.")
	}
	return v.Err()
}

// CampaignService manages a workspace's campaigns and runs their state machine.
type CampaignService interface {
	ListCampaigns(ctx context.Context, actor Actor, workspaceID string, p Page) ([]Campaign, string, error)
	CreateCampaign(ctx context.Context, actor Actor, workspaceID string, in CampaignInput) (*Campaign, error)
	GetCampaign(ctx context.Context, actor Actor, workspaceID, id string) (*Campaign, error)
	UpdateCampaign(ctx context.Context, actor Actor, workspaceID, id string, in CampaignInput) (*Campaign, error)
	DeleteCampaign(ctx context.Context, actor Actor, workspaceID, id string) error
	// ChangeCampaignState performs start, pause, resume or stop.
	ChangeCampaignState(ctx context.Context, actor Actor, workspaceID, id, action string) (*Campaign, error)
}
