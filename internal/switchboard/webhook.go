package switchboard

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Event types (api.md "Budget alerts and webhooks").
const (
	EventCallCompleted      = "call.completed"
	EventCampaignStarted    = "campaign.started"
	EventCampaignPaused     = "campaign.paused"
	EventCampaignCompleted  = "campaign.completed"
	EventCampaignStopped    = "campaign.stopped"
	EventInvitationAccepted = "invitation.accepted"
	EventMemberRemoved      = "member.removed"
	EventImportCompleted    = "import.completed"
	EventBudgetThreshold    = "budget.threshold"
	EventPoolLow            = "pool.low"
)

// EventTypes is every event a webhook may subscribe to.
var EventTypes = []string{
	EventCallCompleted, EventCampaignStarted, EventCampaignPaused, EventCampaignCompleted, EventCampaignStopped,
	EventInvitationAccepted, EventMemberRemoved, EventImportCompleted, EventBudgetThreshold, EventPoolLow,
}

// IsAlert reports whether an event type is an alert: kept for the console and the
// alerts list even when no webhook subscribes to it.
func IsAlert(eventType string) bool {
	return eventType == EventBudgetThreshold || eventType == EventPoolLow
}

// BudgetThresholds are the percentages of a budget whose crossing is announced.
var BudgetThresholds = []int64{50, 80, 100}

// ThresholdReached is the highest threshold (0 for none) that seconds used have
// reached of a budget of minutes; no budget, or a zero one, reaches none.
func ThresholdReached(budgetMinutes *int64, secondsUsed int64) int64 {
	if budgetMinutes == nil || *budgetMinutes <= 0 {
		return 0
	}
	var reached int64
	for _, t := range BudgetThresholds {
		if secondsUsed*100 >= t**budgetMinutes*60 {
			reached = t
		}
	}
	return reached
}

// WebhookDisableAfter is how long an endpoint may fail before it is disabled, and how
// long one delivery is retried.
const WebhookDisableAfter = 24 * time.Hour

// Webhook is an endpoint that receives a workspace's events.
type Webhook struct {
	ID          string   `json:"id"`
	WorkspaceID string   `json:"workspace_id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	// Secret signs the deliveries; it is shown only when the endpoint is created.
	Secret       string     `json:"secret,omitempty"`
	Enabled      bool       `json:"enabled"`
	FailingSince *time.Time `json:"failing_since"`
	DisabledAt   *time.Time `json:"disabled_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// WebhookInput creates an endpoint.
type WebhookInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// WebhookPatch edits an endpoint; Enabled true turns a disabled endpoint back on.
type WebhookPatch struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

// Normalize trims the text fields and drops duplicate events.
func (in *WebhookInput) Normalize() {
	in.URL = strings.TrimSpace(in.URL)
	in.Description = strings.TrimSpace(in.Description)
	in.Events = uniqueEvents(in.Events)
}

func uniqueEvents(events []string) []string {
	out := []string{}
	for _, e := range events {
		e = strings.TrimSpace(e)
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks an endpoint's fields.
func (in WebhookInput) Validate() error {
	var v Validation
	validateWebhookURL(&v, in.URL)
	validateEvents(&v, in.Events)
	if len(in.Description) > 500 {
		v.Add("body.description", "The description can be at most 500 characters.")
	}
	return v.Err()
}

// Apply applies a patch to an endpoint's input and validates the result.
func (p WebhookPatch) Apply(in *WebhookInput) error {
	if p.URL != nil {
		in.URL = *p.URL
	}
	if p.Events != nil {
		in.Events = *p.Events
	}
	if p.Description != nil {
		in.Description = *p.Description
	}
	in.Normalize()
	if p.Events != nil && *p.Events == nil {
		in.Events = nil
	}
	return in.Validate()
}

func validateWebhookURL(v *Validation, raw string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.Add("body.url", "Give the URL that should receive the events, such as https://example.com/hooks.")
	case len(raw) > 2000:
		v.Add("body.url", "The URL can be at most 2000 characters.")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "":
		v.Add("body.url", "The URL must be an absolute http:// or https:// URL, such as https://example.com/hooks.")
	case u.User != nil:
		v.Add("body.url", "The URL must not carry a user name or password; verify deliveries by their signature instead.")
	case u.Fragment != "":
		v.Add("body.url", "The URL must not have a #fragment.")
	}
}

func validateEvents(v *Validation, events []string) {
	if len(events) == 0 {
		v.Add("body.events", "Choose at least one event: %s.", strings.Join(EventTypes, ", "))
		return
	}
	for _, e := range events {
		if !slices.Contains(EventTypes, e) {
			v.Add("body.events", "Unknown event %q; choose from %s.", e, strings.Join(EventTypes, ", "))
		}
	}
}

// Statuses of a webhook delivery.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// WebhookDelivery is one event sent (or being sent) to one endpoint.
type WebhookDelivery struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhook_id"`
	Event          string     `json:"event"`
	EventID        string     `json:"event_id"`
	Status         string     `json:"status"`
	Attempts       int64      `json:"attempts"`
	ResponseStatus *int64     `json:"response_status"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

// Event is one thing that happened in a workspace, as webhooks receive it.
type Event struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	CreatedAt   time.Time       `json:"created_at"`
	WorkspaceID string          `json:"workspace_id"`
	Data        json.RawMessage `json:"data"`
}

// BudgetThresholdData is the data of a budget.threshold event.
type BudgetThresholdData struct {
	WorkspaceID   string `json:"workspace_id"`
	WorkspaceName string `json:"workspace_name"`
	Threshold     int64  `json:"threshold"`
	MinuteBudget  int64  `json:"minute_budget"`
	SecondsUsed   int64  `json:"seconds_used"`
}

// PoolLowData is the data of a pool.low event.
type PoolLowData struct {
	AccountID          string `json:"account_id"`
	UnallocatedSeconds int64  `json:"unallocated_seconds"`
	GrantID            string `json:"grant_id"`
	GrantSeconds       int64  `json:"grant_seconds"`
}

// WebhookService manages a workspace's webhook endpoints (admin+) and lists its
// alerts (viewer+).
type WebhookService interface {
	CreateWebhook(ctx context.Context, actor Actor, workspaceID string, in WebhookInput) (*Webhook, error)
	ListWebhooks(ctx context.Context, actor Actor, workspaceID string, p Page) ([]Webhook, string, error)
	GetWebhook(ctx context.Context, actor Actor, workspaceID, id string) (*Webhook, error)
	UpdateWebhook(ctx context.Context, actor Actor, workspaceID, id string, p WebhookPatch) (*Webhook, error)
	DeleteWebhook(ctx context.Context, actor Actor, workspaceID, id string) error
	ListDeliveries(ctx context.Context, actor Actor, workspaceID, webhookID string, p Page) ([]WebhookDelivery, string, error)
	Redeliver(ctx context.Context, actor Actor, workspaceID, webhookID, deliveryID string) (*WebhookDelivery, error)
	ListAlerts(ctx context.Context, actor Actor, workspaceID string, p Page) ([]Event, string, error)
}

// WebhookJob is one claimed delivery, ready to send.
type WebhookJob struct {
	DeliveryID  string
	Lease       string
	WebhookID   string
	WorkspaceID string
	URL         string
	Secret      string
	EventID     string
	Attempts    int64
	// Body is the JSON of the Event.
	Body []byte
}

// WebhookResult is what became of one attempt.
type WebhookResult struct {
	Delivered bool
	// Status is the receiver's HTTP status, 0 when none came.
	Status int
	Error  string
	// RetryIn is the delay before the next attempt when this one failed.
	RetryIn time.Duration
}
