package switchboard

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
)

// MaxWorkflowDefinition bounds a workflow's definition, in bytes of JSON.
const MaxWorkflowDefinition = 256 << 10

// Workflow is a call flow: a draft definition edited freely, deployed as numbered,
// immutable versions.
type Workflow struct {
	ID          string          `json:"id"`
	WorkspaceID string          `json:"workspace_id"`
	Name        string          `json:"name"`
	Definition  json.RawMessage `json:"definition"`
	// LatestVersion is the number of the newest deployed version, null before the
	// first deploy.
	LatestVersion *int64     `json:"latest_version"`
	DeployedAt    *time.Time `json:"deployed_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// WorkflowVersion is one deployed, immutable definition.
type WorkflowVersion struct {
	WorkflowID string          `json:"workflow_id"`
	Version    int64           `json:"version"`
	Definition json.RawMessage `json:"definition"`
	DeployedAt time.Time       `json:"deployed_at"`
	DeployedBy string          `json:"deployed_by"`
}

// WorkflowInput is the body of POST (name required, definition {} when left out) and
// PATCH (only the fields present change) of a workflow.
type WorkflowInput struct {
	Name       *string         `json:"name,omitempty"`
	Definition json.RawMessage `json:"definition,omitempty"`
}

// Normalize trims the name and compacts the definition.
func (in *WorkflowInput) Normalize() {
	trim(&in.Name)
	if len(in.Definition) > 0 {
		var b bytes.Buffer
		if json.Compact(&b, in.Definition) == nil {
			in.Definition = b.Bytes()
		}
	}
}

// HasDefinition reports whether the input carries a definition (JSON null does not).
func (in *WorkflowInput) HasDefinition() bool {
	return len(in.Definition) > 0 && string(in.Definition) != "null"
}

// Validate checks the fields present; creating requires a name.
func (in *WorkflowInput) Validate(creating bool) error {
	var v Validation
	if in.Name != nil || creating {
		validateName(&v, deref(in.Name))
	}
	if in.HasDefinition() {
		switch {
		case len(in.Definition) > MaxWorkflowDefinition:
			v.Add("body.definition", "The definition must be at most %d KiB of JSON.", MaxWorkflowDefinition>>10)
		case !strings.HasPrefix(strings.TrimSpace(string(in.Definition)), "{") || !json.Valid(in.Definition):
			v.Add("body.definition", "The definition must be a JSON object.")
		}
	}
	return v.Err()
}

// WorkflowService manages a workspace's workflows and their deployed versions.
type WorkflowService interface {
	ListWorkflows(ctx context.Context, actor Actor, workspaceID string, p Page) ([]Workflow, string, error)
	CreateWorkflow(ctx context.Context, actor Actor, workspaceID string, in WorkflowInput) (*Workflow, error)
	GetWorkflow(ctx context.Context, actor Actor, workspaceID, id string) (*Workflow, error)
	UpdateWorkflow(ctx context.Context, actor Actor, workspaceID, id string, in WorkflowInput) (*Workflow, error)
	DeleteWorkflow(ctx context.Context, actor Actor, workspaceID, id string) error
	DeployWorkflow(ctx context.Context, actor Actor, workspaceID, id string) (*WorkflowVersion, error)
	ListWorkflowVersions(ctx context.Context, actor Actor, workspaceID, id string) ([]WorkflowVersion, error)
}
