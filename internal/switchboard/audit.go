package switchboard

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEntry is one recorded change (or refused attempt) in a workspace.
type AuditEntry struct {
	ID        string          `json:"id"`
	At        time.Time       `json:"at"`
	Actor     AuditActor      `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Details   json.RawMessage `json:"details"`
	IP        string          `json:"ip"`
	UserAgent string          `json:"user_agent"`
}

// AuditActor is who did it: type is user, api_key or operator.
type AuditActor struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Email string `json:"email"`
}

// AuditFilter selects entries of the audit log.
type AuditFilter struct {
	Action  string
	ActorID string
	Page
}

// AuditService reads the audit log. Nothing edits or deletes its entries.
type AuditService interface {
	// ListAudit lists entries newest first; the second result is the cursor of the
	// next page, empty on the last.
	ListAudit(ctx context.Context, actor Actor, workspaceID string, f AuditFilter) ([]AuditEntry, string, error)
}
