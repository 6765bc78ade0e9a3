package switchboard

// Actor is who performs an operation: a signed-in user, an API key acting in its one
// workspace, or the operator. Every service method takes one.
type Actor struct {
	UserID string
	Email  string
	// APIKeyID is set when the request authenticated with an API key; the key acts
	// only in APIKeyWorkspaceID, with APIKeyRole.
	APIKeyID          string
	APIKeyWorkspaceID string
	APIKeyRole        Role
	// ReportDispatchID is set when the request authenticated with a dispatch's
	// report_token: it may report that one dispatch's call in ReportWorkspaceID and
	// nothing else.
	ReportDispatchID  string
	ReportWorkspaceID string
	// System names Switchboard itself acting on its own: a background worker
	// such as the dialler, or the webhook worker disabling an endpoint.
	System string
	// Operator is the installation's operator (operator token or command line).
	Operator bool
	// SessionID is the hash of the session token, for log-out.
	SessionID string
	IP        string
	UserAgent string
}

// IsAPIKey reports whether the actor is an API key.
func (a Actor) IsAPIKey() bool { return a.APIKeyID != "" }

// ActorType names the kind of actor for the audit log.
func (a Actor) ActorType() string {
	switch {
	case a.Operator:
		return "operator"
	case a.IsAPIKey():
		return "api_key"
	case a.ReportDispatchID != "":
		return "report_token"
	case a.System != "":
		return "system"
	case a.UserID != "":
		return "user"
	}
	return "anonymous"
}
