package switchboard

import (
	"context"
	"time"
)

// Plan names.
const (
	PlanFree       = "free"
	PlanStarter    = "starter"
	PlanPro        = "pro"
	PlanEnterprise = "enterprise"
)

// PlanLimits are one plan's limits; a nil limit is unlimited.
type PlanLimits struct {
	MaxWorkspaces *int `json:"max_workspaces"`
	MaxSeats      *int `json:"max_seats"`
	Agency        bool `json:"agency"`
}

// Plans is the plan table, configuration with the defaults of product.md.
type Plans map[string]PlanLimits

func limit(n int) *int { return &n }

// DefaultPlans returns the plan table of product.md.
func DefaultPlans() Plans {
	return Plans{
		PlanFree:       {MaxWorkspaces: limit(1), MaxSeats: limit(1)},
		PlanStarter:    {MaxWorkspaces: limit(1), MaxSeats: limit(5)},
		PlanPro:        {MaxWorkspaces: limit(10), MaxSeats: limit(25)},
		PlanEnterprise: {Agency: true},
	}
}

// Account is the billing entity.
type Account struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	OwnerID   string         `json:"owner_id"`
	Plan      string         `json:"plan"`
	Limits    PlanLimits     `json:"limits"`
	Minutes   AccountMinutes `json:"minutes"`
	CreatedAt time.Time      `json:"created_at"`
}

// AccountMinutes is the state of an account's minute pool.
type AccountMinutes struct {
	BalanceSeconds     int64 `json:"balance_seconds"`
	AllocatedMinutes   int64 `json:"allocated_minutes"`
	UnallocatedSeconds int64 `json:"unallocated_seconds"`
}

// MinuteGrant is an operator's addition to an account's pool.
type MinuteGrant struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Minutes   int64     `json:"minutes"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// GrantInput is the body of POST /operator/accounts/{id}/minutes.
type GrantInput struct {
	Minutes int64  `json:"minutes"`
	Note    string `json:"note,omitempty"`
}

// Validate checks a grant.
func (in GrantInput) Validate() error {
	var v Validation
	if in.Minutes <= 0 || in.Minutes > 100_000_000 {
		v.Add("body.minutes", "Minutes must be a whole number from 1 to 100000000.")
	}
	if len(in.Note) > 1000 {
		v.Add("body.note", "The note must be at most 1000 characters.")
	}
	return v.Err()
}

// AccountService reads accounts and lets the operator change plans and pools.
type AccountService interface {
	GetAccount(ctx context.Context, actor Actor, id string) (*Account, error)
	ListAccounts(ctx context.Context, actor Actor) ([]Account, error)
	SetPlan(ctx context.Context, actor Actor, id, plan string) (*Account, error)
	GrantMinutes(ctx context.Context, actor Actor, id string, in GrantInput) (*MinuteGrant, error)
}
