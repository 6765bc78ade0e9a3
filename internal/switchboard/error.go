package switchboard

import (
	"errors"
	"fmt"
)

// Error codes: the closed, stable set that clients see in problem documents.
// The HTTP status of each is decided in one table, in the HTTP package.
const (
	ECodeBadRequest         = "bad_request"
	ECodeUnauthorized       = "unauthorized"
	ECodeInvalidCredentials = "invalid_credentials"
	ECodeForbidden          = "forbidden"
	ECodePlanRequired       = "plan_required"
	ECodePlanLimitReached   = "plan_limit_reached"
	ECodeOwnerImmutable     = "owner_immutable"
	ECodeEmailMismatch      = "email_mismatch"
	ECodeNotFound           = "not_found"
	ECodeMethodNotAllowed   = "method_not_allowed"
	ECodeInsufficientMins   = "insufficient_minutes"
	ECodeEmailTaken         = "email_taken"
	ECodeAlreadyMember      = "already_member"
	ECodeInvitationPending  = "invitation_pending"
	ECodeSMTPNotConfigured  = "smtp_not_configured"
	ECodeHasClients         = "has_clients"
	ECodeInvalidState       = "invalid_state"
	ECodeConflict           = "conflict"
	ECodeInvitationExpired  = "invitation_expired"
	ECodeInvitationRevoked  = "invitation_revoked"
	ECodeInvitationUsed     = "invitation_used"
	ECodeTooLarge           = "body_too_large"
	ECodeValidation         = "validation_failed"
	ECodeRateLimited        = "rate_limited"
	ECodeSMTPError          = "smtp_error"
	ECodeInternal           = "internal"
)

// FieldError names one invalid input field.
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Error is a domain error: a stable code and a sentence a person can act on.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter is set for rate_limited errors (seconds).
	RetryAfter int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or internal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ECodeInternal
}

// ErrorMessage returns the human sentence of a domain error; other errors get a
// safe generic sentence (the detail is for the log only).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred. Try again; if it persists, contact the operator."
}

// NotFound is the answer for anything missing, and for anything inside a workspace
// the caller has no role in.
func NotFound(what string) *Error {
	return Errorf(ECodeNotFound, "%s not found.", what)
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct{ Fields []FieldError }

// Add records a field error.
func (v *Validation) Add(location, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Location: location, Message: fmt.Sprintf(format, args...)})
}

// Err returns a validation_failed error listing the fields, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	msg := v.Fields[0].Message
	switch n := len(v.Fields) - 1; {
	case n == 1:
		msg = fmt.Sprintf("%s (and 1 more problem; see errors)", msg)
	case n > 1:
		msg = fmt.Sprintf("%s (and %d more problems; see errors)", msg, n)
	}
	return &Error{Code: ECodeValidation, Message: msg, Fields: v.Fields}
}
