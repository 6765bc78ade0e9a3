package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const campaignColumns = `id, workspace_id, name, assistant_id, contact_tag, max_concurrent_calls, schedule, status, created_at, updated_at, daily_cap, retry, paused_reason`

func scanCampaign(sc interface{ Scan(...any) error }) (*sb.Campaign, error) {
	var c sb.Campaign
	var assistant sql.NullString
	var schedule string
	var created, updated int64
	var dailyCap sql.NullInt64
	var retry string
	var pausedReason sql.NullString
	if err := sc.Scan(&c.ID, &c.WorkspaceID, &c.Name, &assistant, &c.ContactTag, &c.MaxConcurrentCalls, &schedule, &c.Status, &created, &updated,
		&dailyCap, &retry, &pausedReason); err != nil {
		return nil, err
	}
	if err := scanDialling(&c, dailyCap, retry, pausedReason); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(schedule), &c.Schedule); err != nil {
		return nil, err
	}
	c.AssistantID = stringPtr(assistant)
	c.CreatedAt, c.UpdatedAt = toTime(created), toTime(updated)
	return &c, nil
}

// loadCampaign reads one campaign of a workspace with its audience size.
func (t *tx) loadCampaign(ctx context.Context, workspaceID, id string) (*sb.Campaign, error) {
	c, err := scanCampaign(t.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Campaign")
	}
	if err != nil {
		return nil, err
	}
	if c.AudienceSize, err = t.audienceSize(ctx, workspaceID, c.ContactTag); err != nil {
		return nil, err
	}
	return c, t.loadProgress(ctx, c)
}

// audienceSize counts the workspace's contacts that carry the tag.
func (t *tx) audienceSize(ctx context.Context, workspaceID, tag string) (int64, error) {
	if tag == "" {
		return 0, nil
	}
	return t.taggedCount(ctx, workspaceID, tag)
}

// ListCampaigns lists a workspace's campaigns, oldest first, a page at a time (member+).
func (s *Store) ListCampaigns(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Campaign, string, error) {
	p = p.Bounded()
	out := []sb.Campaign{}
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?`, w.ID, p.Cursor, p.Limit+1)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanCampaign(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out, next = pageOf(out, p.Limit, func(c sb.Campaign) string { return c.ID })
		sizes := map[string]int64{}
		for i := range out {
			tag := out[i].ContactTag
			if _, ok := sizes[tag]; !ok {
				if sizes[tag], err = t.audienceSize(ctx, w.ID, tag); err != nil {
					return err
				}
			}
			out[i].AudienceSize = sizes[tag]
			if err := t.loadProgress(ctx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, next, err
}

// checkCampaignAssistant refuses an assistant that is not one of the workspace's.
func (t *tx) checkCampaignAssistant(ctx context.Context, workspaceID string, id *string) error {
	if id == nil || *id == "" {
		return nil
	}
	var x string
	// The row lock keeps a concurrent delete of the assistant from slipping past.
	err := t.queryRow(ctx, `SELECT id FROM assistants WHERE id = ? AND workspace_id = ?`+t.forUpdate(), *id, workspaceID).Scan(&x)
	if errors.Is(err, sql.ErrNoRows) {
		return &sb.Error{Code: sb.ECodeValidation, Message: "No assistant of this workspace has that id; pick one from the workspace's assistants.",
			Fields: []sb.FieldError{{Location: "body.assistant_id", Message: "Not an assistant of this workspace."}}}
	}
	return err
}

// CreateCampaign adds a draft campaign (manager+).
func (s *Store) CreateCampaign(ctx context.Context, actor sb.Actor, workspaceID string, in sb.CampaignInput) (*sb.Campaign, error) {
	in.Normalize()
	var out *sb.Campaign
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditCampaigns, false)
		if err != nil {
			return err
		}
		if err := in.Validate(true); err != nil {
			return err
		}
		if err := t.checkCampaignAssistant(ctx, w.ID, in.AssistantID); err != nil {
			return err
		}
		c := &sb.Campaign{ID: secret.NewID("cmp", t.now), WorkspaceID: w.ID, MaxConcurrentCalls: 1, Schedule: sb.DefaultSchedule(),
			Retry: sb.DefaultRetry(), Status: sb.CampaignDraft, CreatedAt: t.now, UpdatedAt: t.now}
		applyCampaign(c, in)
		schedule, err := json.Marshal(c.Schedule)
		if err != nil {
			return err
		}
		retry, err := json.Marshal(c.Retry)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO campaigns (`+campaignColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
			c.ID, w.ID, c.Name, nullString(c.AssistantID), c.ContactTag, c.MaxConcurrentCalls, string(schedule), c.Status, t.now.UnixMicro(), t.now.UnixMicro(),
			nullInt(c.DailyCap), string(retry)); err != nil {
			return err
		}
		if c.AudienceSize, err = t.audienceSize(ctx, w.ID, c.ContactTag); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "campaign.created", c.ID, map[string]any{"name": c.Name}); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

func applyCampaign(c *sb.Campaign, in sb.CampaignInput) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.AssistantID != nil {
		c.AssistantID = in.AssistantID
		if *in.AssistantID == "" {
			c.AssistantID = nil
		}
	}
	if in.ContactTag != nil {
		c.ContactTag = *in.ContactTag
	}
	if in.MaxConcurrentCalls != nil {
		c.MaxConcurrentCalls = *in.MaxConcurrentCalls
	}
	if in.Schedule != nil {
		c.Schedule = *in.Schedule
	}
	applyDialling(c, in)
}

// GetCampaign reads one campaign with its audience size (member+).
func (s *Store) GetCampaign(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Campaign, error) {
	var out *sb.Campaign
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		out, err = t.loadCampaign(ctx, w.ID, id)
		return err
	})
	return out, err
}

// UpdateCampaign changes the fields present (manager+). A draft changes freely; once
// started, only the name and the maximum of concurrent calls may change. The status
// changes only through the actions.
func (s *Store) UpdateCampaign(ctx context.Context, actor sb.Actor, workspaceID, id string, in sb.CampaignInput) (*sb.Campaign, error) {
	in.Normalize()
	var out *sb.Campaign
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditCampaigns, false)
		if err != nil {
			return err
		}
		c, err := t.loadCampaign(ctx, w.ID, id)
		if err != nil {
			return err
		}
		if err := in.Validate(false); err != nil {
			return err
		}
		if c.Status != sb.CampaignDraft && (in.AssistantID != nil || in.ContactTag != nil || in.Schedule != nil) {
			return sb.Errorf(sb.ECodeInvalidState, "This campaign is %s: only its name, max_concurrent_calls, daily_cap and retry can change now; create a new campaign for another audience, assistant or schedule.", c.Status)
		}
		if err := t.checkCampaignAssistant(ctx, w.ID, in.AssistantID); err != nil {
			return err
		}
		applyCampaign(c, in)
		schedule, err := json.Marshal(c.Schedule)
		if err != nil {
			return err
		}
		retry, err := json.Marshal(c.Retry)
		if err != nil {
			return err
		}
		// The status guard keeps a concurrent start from slipping between the read
		// and this write.
		res, err := t.exec(ctx, `UPDATE campaigns SET name = ?, assistant_id = ?, contact_tag = ?, max_concurrent_calls = ?, schedule = ?, updated_at = ?,
			daily_cap = ?, retry = ?
			WHERE id = ? AND workspace_id = ? AND status = ?`,
			c.Name, nullString(c.AssistantID), c.ContactTag, c.MaxConcurrentCalls, string(schedule), t.now.UnixMicro(),
			nullInt(c.DailyCap), string(retry), c.ID, w.ID, c.Status)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sb.Errorf(sb.ECodeConflict, "The campaign changed while you edited it; read it again and retry.")
		}
		c.UpdatedAt = t.now
		if c.AudienceSize, err = t.audienceSize(ctx, w.ID, c.ContactTag); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "campaign.updated", c.ID, map[string]any{"fields": campaignFields(in)}); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

func campaignFields(in sb.CampaignInput) []string {
	f := []string{}
	for _, x := range []struct {
		name string
		set  bool
	}{{"name", in.Name != nil}, {"assistant_id", in.AssistantID != nil}, {"contact_tag", in.ContactTag != nil},
		{"max_concurrent_calls", in.MaxConcurrentCalls != nil}, {"schedule", in.Schedule != nil},
		{"daily_cap", in.DailyCap.Set}, {"retry", in.Retry != nil}} {
		if x.set {
			f = append(f, x.name)
		}
	}
	return f
}

// DeleteCampaign removes a campaign in any state (manager+).
func (s *Store) DeleteCampaign(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditCampaigns, false)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM campaign_attempts WHERE campaign_id = ? AND workspace_id = ?`, id, w.ID); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM campaigns WHERE id = ? AND workspace_id = ?`, id, w.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sb.NotFound("Campaign")
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "campaign.deleted", id, nil)
	})
}

// ChangeCampaignState runs one action of the state machine (member+): start from
// draft, pause from running, resume from paused, stop from running or paused. The
// change is a conditional UPDATE on the current status, so of concurrent actions
// only those the state allows take effect. Starting needs an assistant, at least one
// contact with the tag, and minutes.
func (s *Store) ChangeCampaignState(ctx context.Context, actor sb.Actor, workspaceID, id, action string) (*sb.Campaign, error) {
	from, to, ok := sb.CampaignTransition(action)
	if !ok {
		return nil, sb.NotFound("Campaign action")
	}
	var out *sb.Campaign
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionUseCampaigns, false)
		if err != nil {
			return err
		}
		c, err := t.loadCampaign(ctx, w.ID, id)
		if err != nil {
			return err
		}
		if !contains(from, c.Status) {
			return invalidTransition(action, c.Status)
		}
		if action == sb.CampaignStart {
			if err := t.checkStartable(ctx, w, c); err != nil {
				return err
			}
		}
		args := []any{to, t.now.UnixMicro(), c.ID, w.ID}
		for _, f := range from {
			args = append(args, f)
		}
		res, err := t.exec(ctx, `UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ? AND workspace_id = ? AND status IN (`+placeholders(len(from))+`)`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			// Another action won the race; report the state it left.
			var now string
			if err := t.queryRow(ctx, `SELECT status FROM campaigns WHERE id = ? AND workspace_id = ?`, c.ID, w.ID).Scan(&now); errors.Is(err, sql.ErrNoRows) {
				return sb.NotFound("Campaign")
			} else if err != nil {
				return err
			}
			return invalidTransition(action, now)
		}
		before := c.Status
		c.Status, c.UpdatedAt = to, t.now
		if err := t.campaignTransitioned(ctx, w, c, action); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "campaign."+campaignEvent[action], c.ID, map[string]any{"before": before, "after": to}); err != nil {
			return err
		}
		if err := t.emitCampaignChange(ctx, w, c, action); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

var campaignEvent = map[string]string{sb.CampaignStart: "started", sb.CampaignPause: "paused", sb.CampaignResume: "resumed", sb.CampaignStop: "stopped"}

func invalidTransition(action, status string) error {
	hint := map[string]string{
		sb.CampaignStart:  "only a draft campaign can be started",
		sb.CampaignPause:  "only a running campaign can be paused",
		sb.CampaignResume: "only a paused campaign can be resumed",
		sb.CampaignStop:   "only a running or paused campaign can be stopped",
	}[action]
	return sb.Errorf(sb.ECodeInvalidState, "This campaign is %s; %s.", status, hint)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkStartable refuses to start a campaign without an assistant of the workspace,
// without contacts carrying its tag, or when the workspace may not call.
func (t *tx) checkStartable(ctx context.Context, w *wsRow, c *sb.Campaign) error {
	if c.AssistantID == nil {
		return &sb.Error{Code: sb.ECodeValidation, Message: "This campaign has no assistant; set assistant_id before starting it.",
			Fields: []sb.FieldError{{Location: "body.assistant_id", Message: "Required to start."}}}
	}
	if err := t.checkCampaignAssistant(ctx, w.ID, c.AssistantID); err != nil {
		return err
	}
	if c.AudienceSize == 0 {
		msg := "No contact carries the tag " + quote(c.ContactTag) + "; tag some contacts or choose another tag before starting."
		if strings.TrimSpace(c.ContactTag) == "" {
			msg = "This campaign has no contact_tag; set one that some contacts carry before starting it."
		}
		return &sb.Error{Code: sb.ECodeValidation, Message: msg,
			Fields: []sb.FieldError{{Location: "body.contact_tag", Message: "No contact carries this tag."}}}
	}
	return t.checkCanCall(ctx, w)
}

// checkCanCall applies the minute rules of product.md to a workspace about to call:
// its own budget, if any, must have seconds left; so must its agency's, if that has
// a budget; and a workspace that draws on the account (no budget on the way up)
// needs unallocated seconds in the account's pool.
func (t *tx) checkCanCall(ctx context.Context, w *wsRow) error {
	account, err := t.loadAccount(ctx, w.AccountID, false)
	if err != nil {
		return err
	}
	book, err := t.loadMinuteBook(ctx, account)
	if err != nil {
		return err
	}
	b, ok := book.workspaces[w.ID]
	if !ok {
		return sb.NotFound("Workspace")
	}
	budgeted := false
	if r, has := b.remaining(); has {
		if r <= 0 {
			return sb.Errorf(sb.ECodeInsufficientMins, "This workspace has used its minute budget: 0 minutes are available; ask the account owner to raise it before starting a campaign.")
		}
		budgeted = true
	}
	if parent, ok := book.workspaces[b.parentID]; ok && b.parentID != "" {
		if r, has := parent.remaining(); has {
			if r <= 0 {
				return sb.Errorf(sb.ECodeInsufficientMins, "The agency has used its minute budget: 0 minutes are available; ask the account owner to raise it before starting a campaign.")
			}
			budgeted = true
		}
	}
	if !budgeted && book.unallocated() <= 0 {
		return sb.Errorf(sb.ECodeInsufficientMins, "The account has no minutes left to call with: 0 minutes are available; buy or grant minutes before starting a campaign.")
	}
	return nil
}
