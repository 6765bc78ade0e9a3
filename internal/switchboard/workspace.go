package switchboard

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Workspace types.
const (
	WorkspaceSimple = "simple"
	WorkspaceAgency = "agency"
)

// DeletedRetention is how long a deleted workspace can be restored by its owner.
const DeletedRetention = 30 * 24 * time.Hour

// Workspace is a container for assistants, campaigns, contacts, calls and settings.
type Workspace struct {
	ID           string     `json:"id"`
	AccountID    string     `json:"account_id"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Description  string     `json:"description"`
	ParentID     *string    `json:"parent_id"`
	OwnerID      string     `json:"owner_id"`
	Role         Role       `json:"role"`
	MinuteBudget *int64     `json:"minute_budget"`
	SecondsUsed  int64      `json:"seconds_used"`
	CreatedAt    time.Time  `json:"created_at"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
}

// CreateWorkspaceInput is the body of POST /workspaces.
type CreateWorkspaceInput struct {
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	Description  string  `json:"description,omitempty"`
	MinuteBudget *int64  `json:"minute_budget,omitempty"`
	AccountID    *string `json:"account_id,omitempty"`
	ParentID     *string `json:"parent_id,omitempty"`
}

// MaxBudgetMinutes bounds a minute budget (about 190 years of calling).
const MaxBudgetMinutes = 100_000_000

// Normalize trims the input and fills the default type.
func (in *CreateWorkspaceInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	if in.Type == "" {
		in.Type = WorkspaceSimple
	}
}

// Validate checks the fields of a new workspace.
func (in *CreateWorkspaceInput) Validate() error {
	var v Validation
	validateName(&v, in.Name)
	validateDescription(&v, in.Description)
	if in.Type != WorkspaceSimple && in.Type != WorkspaceAgency {
		v.Add("body.type", "The type must be \"simple\" or \"agency\".")
	}
	if in.ParentID != nil && in.Type == WorkspaceAgency {
		v.Add("body.type", "A client sub-workspace must be of type simple: agencies do not nest.")
	}
	validateBudget(&v, in.MinuteBudget)
	return v.Err()
}

// UpdateWorkspaceInput is the body of PATCH /workspaces/{ws}.
type UpdateWorkspaceInput struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Normalize trims the input.
func (in *UpdateWorkspaceInput) Normalize() {
	if in.Name != nil {
		s := strings.TrimSpace(*in.Name)
		in.Name = &s
	}
	if in.Description != nil {
		s := strings.TrimSpace(*in.Description)
		in.Description = &s
	}
}

// Validate checks the changed fields.
func (in *UpdateWorkspaceInput) Validate() error {
	var v Validation
	if in.Name != nil {
		validateName(&v, *in.Name)
	}
	if in.Description != nil {
		validateDescription(&v, *in.Description)
	}
	return v.Err()
}

// BudgetInput is the body of PUT /workspaces/{ws}/budget. minute_budget must be
// given: a number sets the budget, null removes it.
type BudgetInput struct {
	MinuteBudget *int64 `json:"minute_budget"`
	// Given records that the body named minute_budget (null included).
	Given bool `json:"-"`
}

// UnmarshalJSON tells a missing minute_budget from an explicit null.
func (in *BudgetInput) UnmarshalJSON(b []byte) error {
	var raw struct {
		MinuteBudget json.RawMessage `json:"minute_budget"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	in.Given = len(raw.MinuteBudget) > 0
	in.MinuteBudget = nil
	if in.Given {
		if err := json.Unmarshal(raw.MinuteBudget, &in.MinuteBudget); err != nil {
			return &json.UnmarshalTypeError{Value: "minute_budget", Type: reflect.TypeFor[int64](), Field: "minute_budget"}
		}
	}
	return nil
}

// Validate checks the budget.
func (in BudgetInput) Validate() error {
	var v Validation
	if !in.Given {
		v.Add("body.minute_budget", "Give minute_budget: a whole number of minutes, or null to remove the budget.")
	}
	validateBudget(&v, in.MinuteBudget)
	return v.Err()
}

func validateName(v *Validation, name string) {
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		v.Add("body.name", "The name must be 1 to 100 characters long.")
	}
}

func validateDescription(v *Validation, d string) {
	if utf8.RuneCountInString(d) > 1000 {
		v.Add("body.description", "The description must be at most 1000 characters long.")
	}
}

func validateBudget(v *Validation, b *int64) {
	if b != nil && (*b < 0 || *b > MaxBudgetMinutes) {
		v.Add("body.minute_budget", "The minute budget must be a whole number of minutes from 0 to %d, or null for no budget.", MaxBudgetMinutes)
	}
}

// Usage is the answer of GET /workspaces/{ws}/usage.
type Usage struct {
	MinuteBudget     *int64        `json:"minute_budget"`
	SecondsUsed      int64         `json:"seconds_used"`
	RemainingSeconds *int64        `json:"remaining_seconds"`
	OverBudget       bool          `json:"over_budget"`
	Clients          []ClientUsage `json:"clients"`
}

// ClientUsage is one client sub-workspace's line in an agency's usage.
type ClientUsage struct {
	WorkspaceID  string `json:"workspace_id"`
	Name         string `json:"name"`
	MinuteBudget *int64 `json:"minute_budget"`
	SecondsUsed  int64  `json:"seconds_used"`
	OverBudget   bool   `json:"over_budget"`
}

// Remaining returns budget − used in seconds, never below zero, and false when the
// workspace has no budget.
func Remaining(budgetMinutes *int64, secondsUsed int64) (int64, bool) {
	if budgetMinutes == nil {
		return 0, false
	}
	r := *budgetMinutes*60 - secondsUsed
	if r < 0 {
		r = 0
	}
	return r, true
}

// OverBudget reports whether usage went past a budget.
func OverBudget(budgetMinutes *int64, secondsUsed int64) bool {
	return budgetMinutes != nil && secondsUsed > *budgetMinutes*60
}

// Page asks for one page of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Default and largest page sizes of every list.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Bounded returns the page with its limit defaulted and capped, so that a store
// list never reads more than MaxPageLimit rows whoever calls it.
func (p Page) Bounded() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}

// WorkspaceService manages workspaces and their budgets.
type WorkspaceService interface {
	CreateWorkspace(ctx context.Context, actor Actor, in CreateWorkspaceInput) (*Workspace, error)
	ListWorkspaces(ctx context.Context, actor Actor) ([]Workspace, error)
	GetWorkspace(ctx context.Context, actor Actor, id string) (*Workspace, error)
	UpdateWorkspace(ctx context.Context, actor Actor, id string, in UpdateWorkspaceInput) (*Workspace, error)
	DeleteWorkspace(ctx context.Context, actor Actor, id string, cascade bool) error
	RestoreWorkspace(ctx context.Context, actor Actor, id string) (*Workspace, error)
	ListClients(ctx context.Context, actor Actor, id string) ([]Workspace, error)
	SetBudget(ctx context.Context, actor Actor, id string, in BudgetInput) (*Workspace, error)
	Usage(ctx context.Context, actor Actor, id string) (*Usage, error)
}
