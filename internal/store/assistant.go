package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const assistantColumns = `id, workspace_id, name, first_message, system_prompt, voice, language, model, created_at, updated_at`

func scanAssistant(sc interface{ Scan(...any) error }) (*sb.Assistant, error) {
	var a sb.Assistant
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.WorkspaceID, &a.Name, &a.FirstMessage, &a.SystemPrompt, &a.Voice, &a.Language, &a.Model, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = toTime(created), toTime(updated)
	return &a, nil
}

// loadAssistant reads one assistant of a workspace.
func (t *tx) loadAssistant(ctx context.Context, workspaceID, id string) (*sb.Assistant, error) {
	a, err := scanAssistant(t.queryRow(ctx, `SELECT `+assistantColumns+` FROM assistants WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Assistant")
	}
	return a, err
}

// ListAssistants lists a workspace's assistants, oldest first, a page at a time.
func (s *Store) ListAssistants(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Assistant, string, error) {
	p = p.Bounded()
	out := []sb.Assistant{}
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT `+assistantColumns+` FROM assistants WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?`, w.ID, p.Cursor, p.Limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAssistant(rows)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out, next = pageOf(out, p.Limit, func(a sb.Assistant) string { return a.ID })
		return nil
	})
	return out, next, err
}

// CreateAssistant adds an assistant (admin+).
func (s *Store) CreateAssistant(ctx context.Context, actor sb.Actor, workspaceID string, in sb.AssistantInput) (*sb.Assistant, error) {
	in.Normalize()
	var out *sb.Assistant
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditAssistants, false)
		if err != nil {
			return err
		}
		if err := in.Validate(true); err != nil {
			return err
		}
		a := &sb.Assistant{ID: secret.NewID("ast", t.now), WorkspaceID: w.ID, CreatedAt: t.now, UpdatedAt: t.now}
		applyAssistant(a, in)
		if _, err := t.exec(ctx, `INSERT INTO assistants (`+assistantColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.WorkspaceID, a.Name, a.FirstMessage, a.SystemPrompt, a.Voice, a.Language, a.Model, t.now.UnixMicro(), t.now.UnixMicro()); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "assistant.created", a.ID, map[string]any{"name": a.Name}); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

func applyAssistant(a *sb.Assistant, in sb.AssistantInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Name, in.Name)
	set(&a.FirstMessage, in.FirstMessage)
	set(&a.SystemPrompt, in.SystemPrompt)
	set(&a.Voice, in.Voice)
	set(&a.Language, in.Language)
	set(&a.Model, in.Model)
}

// GetAssistant reads one assistant (member+).
func (s *Store) GetAssistant(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Assistant, error) {
	var out *sb.Assistant
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		out, err = t.loadAssistant(ctx, w.ID, id)
		return err
	})
	return out, err
}

// UpdateAssistant changes the fields present in the input (admin+).
func (s *Store) UpdateAssistant(ctx context.Context, actor sb.Actor, workspaceID, id string, in sb.AssistantInput) (*sb.Assistant, error) {
	in.Normalize()
	var out *sb.Assistant
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditAssistants, false)
		if err != nil {
			return err
		}
		a, err := t.loadAssistant(ctx, w.ID, id)
		if err != nil {
			return err
		}
		if err := in.Validate(false); err != nil {
			return err
		}
		applyAssistant(a, in)
		a.UpdatedAt = t.now
		if _, err := t.exec(ctx, `UPDATE assistants SET name = ?, first_message = ?, system_prompt = ?, voice = ?, language = ?, model = ?, updated_at = ?
			WHERE id = ? AND workspace_id = ?`,
			a.Name, a.FirstMessage, a.SystemPrompt, a.Voice, a.Language, a.Model, t.now.UnixMicro(), a.ID, w.ID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "assistant.updated", a.ID, map[string]any{"fields": assistantFields(in)}); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// assistantFields names the fields an update touches, for the audit log (the
// prompts themselves can be long and are not copied there).
func assistantFields(in sb.AssistantInput) []string {
	var f []string
	for name, p := range map[string]*string{"name": in.Name, "first_message": in.FirstMessage, "system_prompt": in.SystemPrompt,
		"voice": in.Voice, "language": in.Language, "model": in.Model} {
		if p != nil {
			f = append(f, name)
		}
	}
	sort.Strings(f)
	return f
}

// DeleteAssistant removes an assistant (admin+). One that a campaign uses is kept:
// 409 invalid_state, naming how many campaigns use it.
func (s *Store) DeleteAssistant(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditAssistants, false)
		if err != nil {
			return err
		}
		a, err := t.loadAssistant(ctx, w.ID, id)
		if err != nil {
			return err
		}
		// Lock the row so that no campaign starts using it between the count and
		// the delete (campaigns lock it when they pick it).
		var locked string
		if err := t.queryRow(ctx, `SELECT id FROM assistants WHERE id = ? AND workspace_id = ?`+t.forUpdate(), a.ID, w.ID).Scan(&locked); err != nil {
			return err
		}
		var n int64
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE workspace_id = ? AND assistant_id = ?`, w.ID, a.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return sb.Errorf(sb.ECodeInvalidState, "This assistant is used by %d campaign(s); give them another assistant or delete them first.", n)
		}
		if _, err := t.exec(ctx, `DELETE FROM assistants WHERE id = ? AND workspace_id = ?`, a.ID, w.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "assistant.deleted", a.ID, map[string]any{"name": a.Name})
	})
}
