package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// workflowSelect reads workflows with their latest deployed version.
const workflowSelect = `SELECT w.id, w.workspace_id, w.name, w.definition, w.created_at, w.updated_at,
	(SELECT MAX(v.version) FROM workflow_versions v WHERE v.workflow_id = w.id AND v.workspace_id = w.workspace_id),
	(SELECT MAX(v.deployed_at) FROM workflow_versions v WHERE v.workflow_id = w.id AND v.workspace_id = w.workspace_id)
	FROM workflows w`

func scanWorkflow(sc interface{ Scan(...any) error }) (*sb.Workflow, error) {
	var f sb.Workflow
	var def string
	var created, updated int64
	var latest, deployed sql.NullInt64
	if err := sc.Scan(&f.ID, &f.WorkspaceID, &f.Name, &def, &created, &updated, &latest, &deployed); err != nil {
		return nil, err
	}
	f.Definition = json.RawMessage(def)
	f.CreatedAt, f.UpdatedAt = toTime(created), toTime(updated)
	f.LatestVersion, f.DeployedAt = int64Ptr(latest), toTimePtr(deployed)
	return &f, nil
}

// loadWorkflow reads one workflow of a workspace; lock takes its row lock.
func (t *tx) loadWorkflow(ctx context.Context, workspaceID, id string, lock bool) (*sb.Workflow, error) {
	if lock {
		// PostgreSQL refuses FOR UPDATE with aggregates: lock the row on its own first.
		var x string
		err := t.queryRow(ctx, `SELECT id FROM workflows WHERE id = ? AND workspace_id = ?`+t.forUpdate(), id, workspaceID).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, sb.NotFound("Workflow")
		}
		if err != nil {
			return nil, err
		}
	}
	f, err := scanWorkflow(t.queryRow(ctx, workflowSelect+` WHERE w.id = ? AND w.workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Workflow")
	}
	return f, err
}

// ListWorkflows lists a workspace's workflows, oldest first, a page at a time.
func (s *Store) ListWorkflows(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Workflow, string, error) {
	p = p.Bounded()
	out := []sb.Workflow{}
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, workflowSelect+` WHERE w.workspace_id = ? AND w.id > ? ORDER BY w.id LIMIT ?`, w.ID, p.Cursor, p.Limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanWorkflow(rows)
			if err != nil {
				return err
			}
			out = append(out, *f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out, next = pageOf(out, p.Limit, func(f sb.Workflow) string { return f.ID })
		return nil
	})
	return out, next, err
}

// CreateWorkflow adds a workflow with a draft definition (admin+).
func (s *Store) CreateWorkflow(ctx context.Context, actor sb.Actor, workspaceID string, in sb.WorkflowInput) (*sb.Workflow, error) {
	in.Normalize()
	var out *sb.Workflow
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditWorkflows, false)
		if err != nil {
			return err
		}
		if err := in.Validate(true); err != nil {
			return err
		}
		def := json.RawMessage(`{}`)
		if in.HasDefinition() {
			def = in.Definition
		}
		f := &sb.Workflow{ID: secret.NewID("wfl", t.now), WorkspaceID: w.ID, Name: *in.Name, Definition: def, CreatedAt: t.now, UpdatedAt: t.now}
		if _, err := t.exec(ctx, `INSERT INTO workflows (id, workspace_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			f.ID, w.ID, f.Name, string(def), t.now.UnixMicro(), t.now.UnixMicro()); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "workflow.created", f.ID, map[string]any{"name": f.Name}); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// GetWorkflow reads one workflow: its draft and its latest deployed version (member+).
func (s *Store) GetWorkflow(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Workflow, error) {
	var out *sb.Workflow
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		out, err = t.loadWorkflow(ctx, w.ID, id, false)
		return err
	})
	return out, err
}

// UpdateWorkflow edits the draft's name or definition (admin+); deployed versions
// do not change.
func (s *Store) UpdateWorkflow(ctx context.Context, actor sb.Actor, workspaceID, id string, in sb.WorkflowInput) (*sb.Workflow, error) {
	in.Normalize()
	var out *sb.Workflow
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditWorkflows, false)
		if err != nil {
			return err
		}
		f, err := t.loadWorkflow(ctx, w.ID, id, true)
		if err != nil {
			return err
		}
		if err := in.Validate(false); err != nil {
			return err
		}
		fields := []string{}
		if in.Name != nil {
			f.Name = *in.Name
			fields = append(fields, "name")
		}
		if in.HasDefinition() {
			f.Definition = in.Definition
			fields = append(fields, "definition")
		}
		f.UpdatedAt = t.now
		if _, err := t.exec(ctx, `UPDATE workflows SET name = ?, definition = ?, updated_at = ? WHERE id = ? AND workspace_id = ?`,
			f.Name, string(f.Definition), t.now.UnixMicro(), f.ID, w.ID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "workflow.updated", f.ID, map[string]any{"fields": fields}); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// DeleteWorkflow removes a workflow and every deployed version of it (admin+).
func (s *Store) DeleteWorkflow(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditWorkflows, false)
		if err != nil {
			return err
		}
		f, err := t.loadWorkflow(ctx, w.ID, id, true)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM workflow_versions WHERE workflow_id = ? AND workspace_id = ?`, f.ID, w.ID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM workflows WHERE id = ? AND workspace_id = ?`, f.ID, w.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "workflow.deleted", f.ID, map[string]any{"name": f.Name})
	})
}

// DeployWorkflow freezes the draft as the next numbered version (admin+). The
// workflow's row lock (PostgreSQL) or the single writer (SQLite) orders concurrent
// deploys, and the primary key (workflow_id, version) refuses a duplicate number if
// anything slipped past; such a deploy is retried.
func (s *Store) DeployWorkflow(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.WorkflowVersion, error) {
	var out *sb.WorkflowVersion
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.update(ctx, func(t *tx) error {
			w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditWorkflows, false)
			if err != nil {
				return err
			}
			f, err := t.loadWorkflow(ctx, w.ID, id, true)
			if err != nil {
				return err
			}
			v := &sb.WorkflowVersion{WorkflowID: f.ID, Version: 1, Definition: f.Definition, DeployedAt: t.now, DeployedBy: actorID(actor)}
			if f.LatestVersion != nil {
				v.Version = *f.LatestVersion + 1
			}
			if _, err := t.exec(ctx, `INSERT INTO workflow_versions (workflow_id, workspace_id, version, definition, deployed_by, deployed_at) VALUES (?, ?, ?, ?, ?, ?)`,
				f.ID, w.ID, v.Version, string(f.Definition), v.DeployedBy, t.now.UnixMicro()); err != nil {
				return err
			}
			if err := t.audit(ctx, actor, w.ID, w.AccountID, "workflow.deployed", f.ID, map[string]any{"version": v.Version}); err != nil {
				return err
			}
			out = v
			return nil
		})
		if !isUniqueViolation(err) {
			break
		}
	}
	return out, err
}

// actorID is who did something, as recorded on the row: a user or an API key.
func actorID(a sb.Actor) string {
	if a.IsAPIKey() {
		return a.APIKeyID
	}
	if a.Operator {
		return "operator"
	}
	return a.UserID
}

// ListWorkflowVersions lists a workflow's deployed versions, newest first (member+).
func (s *Store) ListWorkflowVersions(ctx context.Context, actor sb.Actor, workspaceID, id string) ([]sb.WorkflowVersion, error) {
	out := []sb.WorkflowVersion{}
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		f, err := t.loadWorkflow(ctx, w.ID, id, false)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT version, definition, deployed_by, deployed_at FROM workflow_versions
			WHERE workflow_id = ? AND workspace_id = ? ORDER BY version DESC`, f.ID, w.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v := sb.WorkflowVersion{WorkflowID: f.ID}
			var def string
			var at int64
			if err := rows.Scan(&v.Version, &def, &v.DeployedBy, &at); err != nil {
				return err
			}
			v.Definition, v.DeployedAt = json.RawMessage(def), toTime(at)
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}
