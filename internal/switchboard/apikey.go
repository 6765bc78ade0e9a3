package switchboard

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// APIKey is a workspace's API key as listed: never its secret.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  UserRef    `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// UserRef names a person: an API key's creator.
type UserRef struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// NewAPIKey is the answer to creating a key: the only time Key is shown.
type NewAPIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// APIKeyInput is the body of POST /workspaces/{ws}/api-keys.
type APIKeyInput struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Normalize trims the name.
func (in *APIKeyInput) Normalize() { in.Name = strings.TrimSpace(in.Name) }

// Validate checks the name and that the role can be given to a key: any but owner.
func (in *APIKeyInput) Validate() error {
	var v Validation
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("body.name", "Give the key a name that says what uses it.")
	case n > 100:
		v.Add("body.name", "The name must be at most 100 characters.")
	}
	switch {
	case in.Role == RoleOwner:
		v.Add("body.role", "An API key cannot be owner; give it admin or a lower role.")
	case !in.Role.Valid():
		v.Add("body.role", "The role must be one of admin, manager, member or viewer.")
	}
	return v.Err()
}

// APIKeyService manages a workspace's API keys.
type APIKeyService interface {
	// CreateAPIKey makes a key; its secret is in the answer only.
	CreateAPIKey(ctx context.Context, actor Actor, workspaceID string, in APIKeyInput) (*NewAPIKey, error)
	// ListAPIKeys lists the live keys oldest first, one page at a time; the second
	// result is the cursor of the next page, empty on the last.
	ListAPIKeys(ctx context.Context, actor Actor, workspaceID string, page Page) ([]APIKey, string, error)
	// RevokeAPIKey ends a key at once.
	RevokeAPIKey(ctx context.Context, actor Actor, workspaceID, keyID string) error
}
