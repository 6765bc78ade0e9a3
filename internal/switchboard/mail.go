package switchboard

import (
	"context"
	"time"
)

// SMTPServer is a mail server with its secret, as the mail transport needs it.
type SMTPServer struct {
	Host      string
	Port      int
	Username  string
	Password  string
	FromEmail string
	FromName  string
	Security  string
}

// Email is one message ready to send.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// MessageID, when set, is the message's Message-ID (without angle brackets):
	// one per queued message, so a send repeated after a crash (the process died
	// between the server's answer and recording it) is the same message to the
	// receiver, which shows it once.
	MessageID string
}

// InvitationEmail is what an invitation's email says.
type InvitationEmail struct {
	To            string     `json:"to"`
	WorkspaceName string     `json:"workspace_name"`
	InviterName   string     `json:"inviter_name"`
	Role          Role       `json:"role"`
	AcceptURL     string     `json:"accept_url"`
	ExpiresAt     time.Time  `json:"expires_at"`
	Branding      WhiteLabel `json:"branding"`
}

// DeliveryError is a failed attempt to hand a message to a mail server.
type DeliveryError struct {
	// Temporary failures (no connection, timeouts, 4xx replies) are worth retrying.
	Temporary bool
	// Reply is the server's answer, or what went wrong reaching it.
	Reply string
}

func (e *DeliveryError) Error() string { return e.Reply }

// MailTransport sends mail through tenants' mail servers.
type MailTransport interface {
	// CheckHost refuses hosts that resolve to addresses tenants must not reach.
	CheckHost(ctx context.Context, host string) error
	// Send hands one message to the server; failures are *DeliveryError.
	Send(ctx context.Context, server SMTPServer, m Email) error
}

// MailJob is one claimed message of the outbox.
type MailJob struct {
	ID       string
	Lease    string
	Attempts int
	// Server is nil when the workspace no longer has a mail server.
	Server     *SMTPServer
	Invitation InvitationEmail
}

// MailResult is what became of a claimed job.
type MailResult struct {
	Sent bool
	// RetryIn, when positive, puts the job back to be tried again after it.
	RetryIn time.Duration
	Error   string
}
