package switchboard

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation states as stored; "expired" is a pending invitation past its expiry.
const (
	InvitationPending  = "pending"
	InvitationExpired  = "expired"
	InvitationAccepted = "accepted"
	InvitationRevoked  = "revoked"
)

// Delivery states of an invitation's email.
const (
	DeliveryQueued = "queued"
	DeliverySent   = "sent"
	DeliveryFailed = "failed"
)

// Delivery is how the invitation's email fared.
type Delivery struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Invitation is an email address invited to a workspace with a role.
type Invitation struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Email       string    `json:"email"`
	Role        Role      `json:"role"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	InvitedBy   string    `json:"invited_by"`
	Delivery    Delivery  `json:"delivery"`
	// AcceptURL is set only in the answers to create and resend.
	AcceptURL string `json:"accept_url,omitempty"`
}

// InvitationInput is the body of POST /workspaces/{ws}/invitations.
type InvitationInput struct {
	Email string `json:"email"`
	Role  Role   `json:"role"`
}

// Normalize trims the input.
func (in *InvitationInput) Normalize() { in.Email = strings.TrimSpace(in.Email) }

// Validate checks the email and that the role can be given.
func (in *InvitationInput) Validate() error {
	var v Validation
	if err := ValidateEmail(in.Email); err != nil {
		v.Add("body.email", "%s", ErrorMessage(err))
	}
	switch {
	case in.Role == RoleOwner:
		v.Add("body.role", "The owner role cannot be given by invitation; invite as admin and transfer ownership later.")
	case !in.Role.Valid():
		v.Add("body.role", "The role must be one of admin, manager, member or viewer.")
	}
	return v.Err()
}

// InvitationPreview is what anyone holding a link sees (GET /invitations/{token}).
type InvitationPreview struct {
	Email     string     `json:"email"`
	Role      Role       `json:"role"`
	Workspace NameOnly   `json:"workspace"`
	Inviter   NameOnly   `json:"inviter"`
	ExpiresAt time.Time  `json:"expires_at"`
	Branding  WhiteLabel `json:"branding"`
}

// NameOnly is an object shown by its name only.
type NameOnly struct {
	Name string `json:"name"`
}

// Acceptance is the answer of POST /invitations/{token}/accept.
type Acceptance struct {
	WorkspaceID string `json:"workspace_id"`
	Role        Role   `json:"role"`
}

// InvitationService manages invitations.
type InvitationService interface {
	CreateInvitation(ctx context.Context, actor Actor, workspaceID string, in InvitationInput) (*Invitation, error)
	ListInvitations(ctx context.Context, actor Actor, workspaceID string, status string) ([]Invitation, error)
	ResendInvitation(ctx context.Context, actor Actor, workspaceID, id string) (*Invitation, error)
	RevokeInvitation(ctx context.Context, actor Actor, workspaceID, id string) error
	PreviewInvitation(ctx context.Context, token string) (*InvitationPreview, error)
	AcceptInvitation(ctx context.Context, actor Actor, token string) (*Acceptance, error)
}

// SMTP security modes.
const (
	SecurityStartTLS = "starttls"
	SecurityTLS      = "tls"
	SecurityNone     = "none"
)

// SMTPSettings are a workspace's mail server, without the password.
type SMTPSettings struct {
	Host        string    `json:"host"`
	Port        int       `json:"port"`
	Username    string    `json:"username"`
	FromEmail   string    `json:"from_email"`
	FromName    string    `json:"from_name"`
	Security    string    `json:"security"`
	PasswordSet bool      `json:"password_set"`
	Inherited   bool      `json:"inherited"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SMTPInput is the body of PUT /workspaces/{ws}/integrations/smtp. A nil Password
// keeps the stored one.
type SMTPInput struct {
	Host      string  `json:"host"`
	Port      int     `json:"port"`
	Username  string  `json:"username,omitempty"`
	Password  *string `json:"password,omitempty"`
	FromEmail string  `json:"from_email"`
	FromName  string  `json:"from_name,omitempty"`
	Security  string  `json:"security"`
}

// Normalize trims the input.
func (in *SMTPInput) Normalize() {
	in.Host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(in.Host), "."))
	in.Username = strings.TrimSpace(in.Username)
	in.FromEmail = strings.TrimSpace(in.FromEmail)
	in.FromName = strings.TrimSpace(in.FromName)
	in.Security = strings.ToLower(strings.TrimSpace(in.Security))
}

var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validHost reports whether s is a DNS name or an IP address literal.
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if strings.Contains(s, ":") { // IPv6 literal
		return !strings.ContainsAny(s, "/ []")
	}
	for _, l := range strings.Split(s, ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// Validate checks the SMTP settings.
func (in *SMTPInput) Validate() error {
	var v Validation
	if !validHost(in.Host) {
		v.Add("body.host", "Enter the mail server's host name, such as smtp.example.com.")
	}
	if in.Port < 1 || in.Port > 65535 {
		v.Add("body.port", "The port must be a number from 1 to 65535 (usually 587, 465 or 25).")
	}
	if err := ValidateEmail(in.FromEmail); err != nil {
		v.Add("body.from_email", "%s", ErrorMessage(err))
	}
	if utf8.RuneCountInString(in.FromName) > 100 || strings.ContainsAny(in.FromName, "\r\n\x00") {
		v.Add("body.from_name", "The sender name must be one line of at most 100 characters.")
	}
	if len(in.Username) > 254 || strings.ContainsAny(in.Username, "\r\n\x00") {
		v.Add("body.username", "The user name must be one line of at most 254 characters.")
	}
	if in.Password != nil && (len(*in.Password) > 1024 || strings.ContainsAny(*in.Password, "\r\n\x00")) {
		v.Add("body.password", "The password must be one line of at most 1024 characters.")
	}
	switch in.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		v.Add("body.security", "The security must be starttls, tls or none.")
	}
	return v.Err()
}

// SMTPTestInput is the body of POST /workspaces/{ws}/integrations/smtp/test.
type SMTPTestInput struct {
	To string `json:"to"`
}

// SMTPService manages a workspace's mail server settings.
type SMTPService interface {
	GetSMTP(ctx context.Context, actor Actor, workspaceID string) (*SMTPSettings, error)
	PutSMTP(ctx context.Context, actor Actor, workspaceID string, in SMTPInput) (*SMTPSettings, error)
	DeleteSMTP(ctx context.Context, actor Actor, workspaceID string) error
	TestSMTP(ctx context.Context, actor Actor, workspaceID string, in SMTPTestInput) error
}

// WhiteLabel is a workspace's branding.
type WhiteLabel struct {
	BrandName    string `json:"brand_name"`
	LogoURL      string `json:"logo_url"`
	PrimaryColor string `json:"primary_color"`
	CustomDomain string `json:"custom_domain"`
	SupportEmail string `json:"support_email"`
	// Inherited is true when a client sub-workspace shows its agency's branding.
	Inherited bool `json:"inherited"`
}

// IsZero reports whether no field is set.
func (w WhiteLabel) IsZero() bool {
	return w.BrandName == "" && w.LogoURL == "" && w.PrimaryColor == "" && w.CustomDomain == "" && w.SupportEmail == ""
}

// WhiteLabelInput is the body of PUT /workspaces/{ws}/white-label; empty fields are unset.
type WhiteLabelInput struct {
	BrandName    string `json:"brand_name"`
	LogoURL      string `json:"logo_url"`
	PrimaryColor string `json:"primary_color"`
	CustomDomain string `json:"custom_domain"`
	SupportEmail string `json:"support_email"`
}

// Normalize trims the input.
func (in *WhiteLabelInput) Normalize() {
	in.BrandName = strings.TrimSpace(in.BrandName)
	in.LogoURL = strings.TrimSpace(in.LogoURL)
	in.PrimaryColor = strings.ToLower(strings.TrimSpace(in.PrimaryColor))
	in.CustomDomain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(in.CustomDomain), "."))
	in.SupportEmail = strings.TrimSpace(in.SupportEmail)
}

var colorRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Validate checks the branding fields.
func (in *WhiteLabelInput) Validate() error {
	var v Validation
	if utf8.RuneCountInString(in.BrandName) > 100 || strings.ContainsAny(in.BrandName, "\r\n\x00") {
		v.Add("body.brand_name", "The brand name must be one line of at most 100 characters.")
	}
	if in.LogoURL != "" {
		u, err := url.Parse(in.LogoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(in.LogoURL) > 2000 {
			v.Add("body.logo_url", "The logo URL must be an https:// address, such as https://example.com/logo.png.")
		}
	}
	if in.PrimaryColor != "" && !colorRe.MatchString(in.PrimaryColor) {
		v.Add("body.primary_color", "The primary colour must look like #1a2b3c.")
	}
	if in.CustomDomain != "" && (!validHost(in.CustomDomain) || !strings.Contains(in.CustomDomain, ".") || strings.Contains(in.CustomDomain, ":")) {
		v.Add("body.custom_domain", "The custom domain must be a domain name, such as app.example.com, without https:// or a path.")
	}
	if in.SupportEmail != "" {
		if err := ValidateEmail(in.SupportEmail); err != nil {
			v.Add("body.support_email", "%s", ErrorMessage(err))
		}
	}
	return v.Err()
}

// WhiteLabelService manages branding.
type WhiteLabelService interface {
	GetWhiteLabel(ctx context.Context, actor Actor, workspaceID string) (*WhiteLabel, error)
	PutWhiteLabel(ctx context.Context, actor Actor, workspaceID string, in WhiteLabelInput) (*WhiteLabel, error)
}
