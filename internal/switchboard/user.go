package switchboard

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person who signs in.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// SignUpInput is the body of POST /auth/signup.
type SignUpInput struct {
	Email           string `json:"email"`
	Password        string `json:"password"`
	Name            string `json:"name"`
	InvitationToken string `json:"invitation_token,omitempty"`
	// Client is where the request came from, recorded on the new session.
	Client Client `json:"-"`
}

// Normalize trims the input.
func (in *SignUpInput) Normalize() {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
}

// Validate checks the sign-up fields.
func (in *SignUpInput) Validate() error {
	var v Validation
	if err := ValidateEmail(in.Email); err != nil {
		v.Add("body.email", "%s", ErrorMessage(err))
	}
	if n := utf8.RuneCountInString(in.Password); n < 8 || n > 256 {
		v.Add("body.password", "The password must be 8 to 256 characters long.")
	}
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 100 {
		v.Add("body.name", "The name must be 1 to 100 characters long.")
	}
	return v.Err()
}

// LoginInput is the body of POST /auth/login.
type LoginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Client is where the request came from, recorded on the new session.
	Client Client `json:"-"`
}

// ValidateEmail checks that s is a single plain address (no display name).
func ValidateEmail(s string) error {
	if s == "" {
		return Errorf(ECodeValidation, "Enter an email address.")
	}
	if len(s) > 254 || strings.ContainsAny(s, "\r\n<> ,;") {
		return Errorf(ECodeValidation, "Enter a valid email address, such as name@example.com.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return Errorf(ECodeValidation, "Enter a valid email address, such as name@example.com.")
	}
	return nil
}

// EmailKey is the case-insensitive identity of an email address.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Me is the answer of GET /me.
type Me struct {
	User       User            `json:"user"`
	Accounts   []AccountBrief  `json:"accounts"`
	Workspaces []WorkspaceRole `json:"workspaces"`
}

// AccountBrief is an account as listed in /me.
type AccountBrief struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Plan string `json:"plan"`
}

// WorkspaceRole is a workspace with the caller's effective role.
type WorkspaceRole struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	ParentID *string `json:"parent_id"`
	Role     Role    `json:"role"`
}

// UserService signs people up and in.
type UserService interface {
	SignUp(ctx context.Context, in SignUpInput) (*User, string, error)
	LogIn(ctx context.Context, in LoginInput) (*User, string, error)
	LogOut(ctx context.Context, actor Actor) error
	// Authenticate resolves a bearer token (session token or API key) to an actor.
	Authenticate(ctx context.Context, token string) (Actor, error)
	Me(ctx context.Context, actor Actor) (*Me, error)
}
