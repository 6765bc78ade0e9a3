package switchboard

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Error codes of password resets (api.md, "Accounts of people").
const (
	ECodeResetExpired = "reset_expired"
	ECodeResetUsed    = "reset_used"
)

// PasswordResetTTL is how long a password-reset link works.
const PasswordResetTTL = time.Hour

// Client is where a request comes from, recorded on the session it opens.
type Client struct {
	IP        string
	UserAgent string
}

// Session is one signed-in session of a person (GET /me/sessions).
type Session struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current"`
}

// PasswordResetInput is the body of POST /auth/password-reset.
type PasswordResetInput struct {
	Email string `json:"email"`
}

// ResetConfirmInput is the body of POST /auth/password-reset/confirm.
type ResetConfirmInput struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Validate checks the new password.
func (in ResetConfirmInput) Validate() error {
	var v Validation
	if strings.TrimSpace(in.Token) == "" {
		v.Add("body.token", "Give the token from the password-reset link.")
	}
	validatePassword(&v, "body.password", in.Password)
	return v.Err()
}

// PasswordChangeInput is the body of POST /me/password.
type PasswordChangeInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Validate checks the new password.
func (in PasswordChangeInput) Validate() error {
	var v Validation
	if in.CurrentPassword == "" {
		v.Add("body.current_password", "Enter your current password.")
	}
	validatePassword(&v, "body.new_password", in.NewPassword)
	return v.Err()
}

// NameInput is the console's form to rename oneself.
type NameInput struct {
	Name string `json:"name"`
}

// Validate checks the name.
func (in NameInput) Validate() error {
	var v Validation
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Name)); n < 1 || n > 100 {
		v.Add("body.name", "The name must be 1 to 100 characters long.")
	}
	return v.Err()
}

func validatePassword(v *Validation, loc, p string) {
	if n := utf8.RuneCountInString(p); n < 8 || n > 256 {
		v.Add(loc, "The password must be 8 to 256 characters long.")
	}
}

// PeopleService manages a person's own account: password reset and change, name,
// and sessions.
type PeopleService interface {
	// RequestPasswordReset queues a reset link by system mail when the email is
	// known; it answers the same either way (rate limits aside).
	RequestPasswordReset(ctx context.Context, client Client, in PasswordResetInput) error
	// ConfirmPasswordReset sets a new password and ends every session of the user.
	ConfirmPasswordReset(ctx context.Context, in ResetConfirmInput) error
	// CheckPasswordReset tells whether a reset token still works (nil), without using it.
	CheckPasswordReset(ctx context.Context, token string) error
	// ChangePassword checks the current password, sets the new one and ends the
	// user's other sessions. Not for API keys.
	ChangePassword(ctx context.Context, actor Actor, in PasswordChangeInput) error
	// Rename changes the actor's display name.
	Rename(ctx context.Context, actor Actor, in NameInput) (*User, error)
	ListSessions(ctx context.Context, actor Actor) ([]Session, error)
	// EndSession ends one of the actor's own sessions.
	EndSession(ctx context.Context, actor Actor, id string) error
}

// BrandService answers which brand a page shows.
type BrandService interface {
	// WorkspaceBrand is the brand a workspace's pages show to its members (viewer+):
	// its own white label, else its agency's; the zero value when none.
	WorkspaceBrand(ctx context.Context, actor Actor, workspaceID string) (*WhiteLabel, error)
	// DomainBrand is the brand of the workspace whose custom domain is host; nil
	// when no workspace claims it.
	DomainBrand(ctx context.Context, host string) (*WhiteLabel, error)
}

// SystemMailJob is one claimed message of the system mail outbox.
type SystemMailJob struct {
	ID       string
	Lease    string
	Attempts int
	Kind     string
	Email    Email
}
