package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ReportTokenPrefix starts every dispatch's report token.
const ReportTokenPrefix = "sbr_"

// Dialling constants (campaigns.md).
const (
	// ReportGrace is how long after max_duration_seconds a report may come.
	ReportGrace = 5 * time.Minute
	// NoLimitDuration stands for max_duration_seconds when it is null.
	NoLimitDuration = time.Hour
	// dispatchLease is how long a replica owns a send before another may retry it.
	dispatchLease = 30 * time.Second
)

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// scanDialling fills a campaign's dialling fields from their columns.
func scanDialling(c *sb.Campaign, dailyCap sql.NullInt64, retry string, pausedReason sql.NullString) error {
	c.DailyCap = int64Ptr(dailyCap)
	c.PausedReason = stringPtr(pausedReason)
	c.Retry = sb.DefaultRetry()
	if retry != "" {
		if err := json.Unmarshal([]byte(retry), &c.Retry); err != nil {
			return err
		}
	}
	if c.Retry.OnOutcomes == nil {
		c.Retry.OnOutcomes = []string{}
	}
	return nil
}

func applyDialling(c *sb.Campaign, in sb.CampaignInput) {
	if in.DailyCap.Set {
		c.DailyCap = in.DailyCap.Value
		if c.DailyCap != nil && *c.DailyCap == 0 {
			c.DailyCap = nil
		}
	}
	if in.Retry != nil {
		c.Retry = *in.Retry
	}
}

// loadProgress counts the contacts of the campaign's snapshot by state: the
// current attempt of each contact (superseded = 0) carries its bucket.
func (t *tx) loadProgress(ctx context.Context, c *sb.Campaign) error {
	c.Progress = sb.Progress{}
	rows, err := t.query(ctx, `SELECT bucket, COUNT(*) FROM campaign_attempts WHERE campaign_id = ? AND workspace_id = ? AND superseded = 0 GROUP BY bucket`,
		c.ID, c.WorkspaceID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return err
		}
		p := &c.Progress
		switch b {
		case sb.AttemptPending:
			p.Pending += n
		case sb.AttemptInFlight:
			p.InFlight += n
		case sb.AttemptCompleted:
			p.Completed += n
		case sb.AttemptFailed:
			p.Failed += n
		case sb.AttemptRetryScheduled:
			p.RetryScheduled += n
		case sb.OutcomeDoNotCall:
			p.DoNotCall += n
		case sb.AttemptCancelled:
			p.Cancelled += n
		}
		p.Audience += n
	}
	return rows.Err()
}

// campaignTransitioned does what an action does besides the status: start
// snapshots the audience as pending attempts in one INSERT … SELECT (in id order, so
// that the primary key and the queue index grow at their ends); stop cancels
// what is pending; pause and resume clear the dialler's pause reason.
func (t *tx) campaignTransitioned(ctx context.Context, w *wsRow, c *sb.Campaign, action string) error {
	switch action {
	case sb.CampaignStart:
		runs, err := t.tagRuns(ctx, w.ID, c.ContactTag)
		if err != nil {
			return err
		}
		// A tag of contact_tags entries only is read from its index; one with
		// import runs (tagrun.go) from the workspace's contacts in id order.
		q := `INSERT INTO campaign_attempts (id, workspace_id, campaign_id, contact_id, attempt, status, bucket, due_at, created_at)
			SELECT CAST(? AS TEXT) || ct.contact_id || '_1', ct.workspace_id, ?, ct.contact_id, 1, 'pending', 'pending', ?, ?
			FROM contact_tags ct JOIN contacts k ON k.workspace_id = ct.workspace_id AND k.id = ct.contact_id
			WHERE ct.workspace_id = ? AND ct.tag = ? AND k.do_not_call = 0
			ORDER BY ct.contact_id`
		args := []any{attemptPrefix(c.ID), c.ID, t.now.UnixMicro(), t.now.UnixMicro(), w.ID, c.ContactTag}
		if len(runs) > 0 {
			q = `INSERT INTO campaign_attempts (id, workspace_id, campaign_id, contact_id, attempt, status, bucket, due_at, created_at)
			SELECT CAST(? AS TEXT) || k.id || '_1', k.workspace_id, ?, k.id, 1, 'pending', 'pending', ?, ?
			FROM contacts k WHERE k.workspace_id = ? AND k.do_not_call = 0 AND ` + taggedCond("k") + `
			ORDER BY k.id`
			args = append(args[:4], w.ID, w.ID, c.ContactTag, w.ID, c.ContactTag)
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
	case sb.CampaignStop:
		if _, err := t.exec(ctx, `UPDATE campaign_attempts SET status = 'cancelled', bucket = 'cancelled', reason = 'stopped', finished_at = ?
			WHERE campaign_id = ? AND workspace_id = ? AND status IN ('pending', 'retry_scheduled')`, t.now.UnixMicro(), c.ID, w.ID); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, `UPDATE campaigns SET paused_reason = NULL WHERE id = ? AND workspace_id = ?`, c.ID, w.ID); err != nil {
		return err
	}
	c.PausedReason = nil
	return t.loadProgress(ctx, c)
}

// attemptPrefix starts the ids of a campaign's attempts: <prefix><contact>_<n>.
func attemptPrefix(campaignID string) string { return "dsp_" + campaignID + "_" }

// ---- The voice engine integration ----

type engineRow struct {
	WorkspaceID string
	URL         string
	SecretEnc   string
	UpdatedAt   int64
}

func (t *tx) ownEngine(ctx context.Context, workspaceID string) (*engineRow, error) {
	var r engineRow
	err := t.queryRow(ctx, `SELECT workspace_id, url, secret_enc, updated_at FROM voice_engines WHERE workspace_id = ?`, workspaceID).
		Scan(&r.WorkspaceID, &r.URL, &r.SecretEnc, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// effectiveEngine returns w's own engine, else its agency's; nil when neither.
func (t *tx) effectiveEngine(ctx context.Context, w *wsRow) (*engineRow, error) {
	r, err := t.ownEngine(ctx, w.ID)
	if err != nil || r != nil || !w.ParentID.Valid {
		return r, err
	}
	return t.ownEngine(ctx, w.ParentID.String)
}

// engineTarget is the URL and secret dispatches of w go to: its effective engine,
// else the default (the --dev simulated engine); ok is false when there is none.
func (t *tx) engineTarget(ctx context.Context, w *wsRow) (string, string, bool, error) {
	r, err := t.effectiveEngine(ctx, w)
	if err != nil {
		return "", "", false, err
	}
	if r == nil {
		if t.s.cfg.DefaultEngineURL == "" {
			return "", "", false, nil
		}
		return t.s.cfg.DefaultEngineURL, t.s.cfg.DefaultEngineSecret, true, nil
	}
	sec, err := secret.Unseal(t.s.cfg.SecretKey, r.SecretEnc)
	if err != nil {
		return "", "", false, fmt.Errorf("store: voice engine secret of %s: %w", r.WorkspaceID, err)
	}
	return r.URL, sec, true, nil
}

func (r *engineRow) view(w *wsRow) *sb.VoiceEngine {
	v := &sb.VoiceEngine{URL: r.URL, SecretSet: r.SecretEnc != ""}
	at := toTime(r.UpdatedAt)
	v.UpdatedAt = &at
	if r.WorkspaceID != w.ID {
		id := r.WorkspaceID
		v.InheritedFrom = &id
	}
	return v
}

// hostPort is the host and port a URL connects to.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// GetVoiceEngine returns the workspace's voice engine, or its agency's (admin+).
func (s *Store) GetVoiceEngine(ctx context.Context, actor sb.Actor, workspaceID string) (*sb.VoiceEngine, error) {
	var out *sb.VoiceEngine
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		r, err := t.effectiveEngine(ctx, w)
		if err != nil {
			return err
		}
		if r == nil {
			return sb.NotFound("Voice engine")
		}
		out = r.view(w)
		return nil
	})
	return out, err
}

// PutVoiceEngine sets the workspace's voice engine (admin+). The secret is sealed
// at rest and never shown; a PUT without it keeps the stored one only while the
// URL's host and port stay the same (a stored secret is never sent to a host it
// was not entered for).
func (s *Store) PutVoiceEngine(ctx context.Context, actor sb.Actor, workspaceID string, in sb.VoiceEngineInput) (*sb.VoiceEngine, error) {
	in.Normalize()
	var out *sb.VoiceEngine
	err := s.putIntegration(ctx, actor, workspaceID, in.Validate, func() error {
		if s.cfg.Engine == nil {
			return nil
		}
		return s.cfg.Engine.CheckURL(ctx, in.URL)
	}, func(t *tx, w *wsRow) error {
		old, err := t.ownEngine(ctx, w.ID)
		if err != nil {
			return err
		}
		var enc string
		switch {
		case in.Secret != nil:
			if enc, err = secret.Seal(t.s.cfg.SecretKey, *in.Secret); err != nil {
				return err
			}
		case old == nil:
			return &sb.Error{Code: sb.ECodeValidation, Message: "Give the secret that signs dispatches to this engine.",
				Fields: []sb.FieldError{{Location: "body.secret", Message: "Required."}}}
		case hostPort(old.URL) != hostPort(in.URL):
			return &sb.Error{Code: sb.ECodeValidation, Message: "The engine's host or port changed: give the secret again, so that the stored one is never sent to a host it was not entered for.",
				Fields: []sb.FieldError{{Location: "body.secret", Message: "Required when the host or port changes."}}}
		default:
			enc = old.SecretEnc
		}
		r := &engineRow{WorkspaceID: w.ID, URL: in.URL, SecretEnc: enc, UpdatedAt: t.now.UnixMicro()}
		if _, err := t.exec(ctx, `INSERT INTO voice_engines (workspace_id, url, secret_enc, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET url = excluded.url, secret_enc = excluded.secret_enc, updated_at = excluded.updated_at`,
			r.WorkspaceID, r.URL, r.SecretEnc, r.UpdatedAt); err != nil {
			return err
		}
		out = r.view(w)
		return t.audit(ctx, actor, w.ID, w.AccountID, "voice_engine.updated", w.ID, map[string]any{"url": r.URL, "secret_changed": in.Secret != nil})
	})
	return out, err
}

// DeleteVoiceEngine removes the workspace's own voice engine (admin+).
func (s *Store) DeleteVoiceEngine(ctx context.Context, actor sb.Actor, workspaceID string) error {
	return s.deleteIntegration(ctx, actor, workspaceID, "voice_engines", "Voice engine", "voice_engine.deleted")
}

// TestVoiceEngine sends a signed ping to the workspace's engine (admin+).
func (s *Store) TestVoiceEngine(ctx context.Context, actor sb.Actor, workspaceID string) (*sb.EngineTest, error) {
	var target, sec, wsID string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		var ok bool
		if target, sec, ok, err = t.engineTarget(ctx, w); err != nil {
			return err
		}
		if !ok {
			return sb.NotFound("Voice engine")
		}
		wsID = w.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.cfg.Engine == nil {
		return nil, sb.Errorf(sb.ECodeEngineError, "This server cannot reach voice engines.")
	}
	if err := s.cfg.Engine.CheckURL(ctx, target); err != nil {
		return nil, sb.Errorf(sb.ECodeEngineError, "%s", sb.ErrorMessage(err))
	}
	body, _ := json.Marshal(map[string]any{"type": "ping", "workspace_id": wsID, "sent_at": s.cfg.Now().UTC()})
	status, detail, err := s.cfg.Engine.Post(ctx, target, sec, secret.NewID("png", s.cfg.Now()), body)
	if err != nil {
		return nil, sb.Errorf(sb.ECodeEngineError, "The voice engine did not answer: %s", err.Error())
	}
	if status < 200 || status > 299 {
		return nil, sb.Errorf(sb.ECodeEngineError, "The voice engine answered HTTP %d: %s", status, detail)
	}
	return &sb.EngineTest{OK: true, Status: status, Detail: detail}, nil
}

// ---- Attempts ----

const attemptColumns = `id, contact_id, attempt, status, dispatched_at, call_id, outcome, reason, due_at`

func scanAttempt(sc scanner) (*sb.Attempt, error) {
	var a sb.Attempt
	var dispatched sql.NullInt64
	var callID, outcome, reason sql.NullString
	var due int64
	if err := sc.Scan(&a.ID, &a.ContactID, &a.Attempt, &a.Status, &dispatched, &callID, &outcome, &reason, &due); err != nil {
		return nil, err
	}
	a.DispatchedAt, a.CallID, a.Outcome, a.Reason, a.DueAt = toTimePtr(dispatched), stringPtr(callID), stringPtr(outcome), stringPtr(reason), toTime(due)
	return &a, nil
}

// ListAttempts lists a campaign's attempts by id, optionally of one status (member+).
func (s *Store) ListAttempts(ctx context.Context, actor sb.Actor, workspaceID, campaignID string, f sb.AttemptFilter) ([]sb.Attempt, string, error) {
	if f.Status != "" {
		ok := false
		for _, st := range sb.AttemptStatuses {
			ok = ok || st == f.Status
		}
		if !ok {
			return nil, "", &sb.Error{Code: sb.ECodeValidation, Message: "The status must be pending, in_flight, completed, failed, retry_scheduled or cancelled.",
				Fields: []sb.FieldError{{Location: "query.status", Message: "Unknown status."}}}
		}
	}
	p := f.Page.Bounded()
	out := []sb.Attempt{}
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		var one int
		if err := t.queryRow(ctx, `SELECT 1 FROM campaigns WHERE id = ? AND workspace_id = ?`, campaignID, w.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Campaign")
		} else if err != nil {
			return err
		}
		// A campaign's attempts are one range of ids: [prefix, prefix + "~").
		prefix := attemptPrefix(campaignID)
		q := `SELECT ` + attemptColumns + ` FROM campaign_attempts WHERE id > ? AND id < ? AND workspace_id = ? AND campaign_id = ?`
		args := []any{max(p.Cursor, prefix), prefix + "~", w.ID, campaignID}
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		q += ` ORDER BY id LIMIT ?`
		args = append(args, p.Limit+1)
		if out, err = queryAll(ctx, t, scanAttempt, q, args...); err != nil {
			return err
		}
		out, next = pageOf(out, p.Limit, func(a sb.Attempt) string { return a.ID })
		return nil
	})
	return out, next, err
}

// ---- Reports ----

// authenticateReport resolves a report token to an actor that may report its one
// dispatch's call.
func (s *Store) authenticateReport(ctx context.Context, hash string, unauth error) (sb.Actor, error) {
	var a sb.Actor
	err := s.readQueryRow(ctx, `SELECT id, workspace_id FROM campaign_attempts WHERE report_token_hash = ?`, hash).
		Scan(&a.ReportDispatchID, &a.ReportWorkspaceID)
	if errors.Is(err, sql.ErrNoRows) {
		return sb.Actor{}, unauth
	}
	if err != nil {
		return sb.Actor{}, err
	}
	a.Email = "report-token"
	return a, nil
}

// callAccess is the gate of a call report: admin+ as for every report, or a report
// token, which may report only its own dispatch's call in its own workspace.
func (t *tx) callAccess(ctx context.Context, actor sb.Actor, workspaceID string, in *sb.ReportCallInput) (*wsRow, error) {
	if actor.ReportDispatchID == "" {
		if w := t.accessed(actor, workspaceID); w != nil {
			return w, nil // SQLite's group commit: checked by an earlier report of the batch
		}
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, false)
		if err == nil {
			t.rememberAccess(actor, workspaceID, w)
		}
		return w, err
	}
	if actor.ReportWorkspaceID != workspaceID {
		return nil, sb.NotFound("Workspace")
	}
	if in.DispatchID == nil || *in.DispatchID != actor.ReportDispatchID {
		return nil, sb.Errorf(sb.ECodeForbidden, "A report token can report only the call of its own dispatch: send its dispatch_id.")
	}
	w, err := t.loadWorkspace(ctx, workspaceID, false)
	if err != nil {
		return nil, err
	}
	if w.DeletedAt.Valid {
		return nil, sb.NotFound("Workspace")
	}
	// A replay answers the stored call: only this dispatch's own.
	var existing, own sql.NullString
	if err := t.queryRow(ctx, `SELECT id FROM calls WHERE workspace_id = ? AND external_id = ?`, w.ID, in.ExternalID).Scan(&existing); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if existing.Valid {
		if err := t.queryRow(ctx, `SELECT call_id FROM campaign_attempts WHERE id = ? AND workspace_id = ?`, actor.ReportDispatchID, w.ID).Scan(&own); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if own.String != existing.String {
			return nil, sb.Errorf(sb.ECodeForbidden, "This external_id names a call that is not this dispatch's; a report token can report only its own dispatch's call.")
		}
	}
	return w, nil
}

// reportAttempt ends the attempt a reported call answers, inside the report's
// transaction: the attempt is completed with the call; a do_not_call outcome marks
// the contact; a retryable outcome with attempts left schedules the next attempt
// (while the campaign runs or is paused). Stopped and completed campaigns record
// the call and change no state.
func (t *tx) reportAttempt(ctx context.Context, c *sb.Call, in *sb.ReportCallInput) error {
	if in.DispatchID == nil {
		return nil
	}
	var campaignID, contactID string
	var n int64
	var callID sql.NullString
	err := t.queryRow(ctx, `SELECT campaign_id, contact_id, attempt, call_id FROM campaign_attempts WHERE id = ? AND workspace_id = ?`+t.forUpdate(),
		*in.DispatchID, c.WorkspaceID).Scan(&campaignID, &contactID, &n, &callID)
	if errors.Is(err, sql.ErrNoRows) {
		return &sb.Error{Code: sb.ECodeValidation, Message: "There is no dispatch with this id in this workspace.",
			Fields: []sb.FieldError{{Location: "body.dispatch_id", Message: "Unknown dispatch."}}}
	}
	if err != nil {
		return err
	}
	var v sb.Validation
	if c.CampaignID != nil && *c.CampaignID != campaignID {
		v.Add("body.campaign_id", "This dispatch belongs to another campaign.")
	}
	if c.ContactID != nil && *c.ContactID != contactID {
		v.Add("body.contact_id", "This dispatch called another contact.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if c.CampaignID == nil || c.ContactID == nil {
		c.CampaignID, c.ContactID = &campaignID, &contactID
		if _, err := t.exec(ctx, `UPDATE calls SET campaign_id = ?, contact_id = ? WHERE id = ? AND workspace_id = ?`, campaignID, contactID, c.ID, c.WorkspaceID); err != nil {
			return err
		}
	}
	if callID.Valid {
		return nil // the attempt already has its call; this one is only recorded
	}
	var status, retryJSON string
	if err := t.queryRow(ctx, `SELECT status, retry FROM campaigns WHERE id = ? AND workspace_id = ?`, campaignID, c.WorkspaceID).Scan(&status, &retryJSON); err != nil {
		return err
	}
	camp := &sb.Campaign{}
	if err := scanDialling(camp, sql.NullInt64{}, retryJSON, sql.NullString{}); err != nil {
		return err
	}
	live := status == sb.CampaignRunning || status == sb.CampaignPaused
	if live && camp.Retry.Retries(c.Outcome, n) && t.s.dialect == postgres {
		// A retry is scheduled only while the campaign lives: read its status again
		// under its row lock, so that a concurrent stop cannot slip in between.
		if err := t.queryRow(ctx, `SELECT status FROM campaigns WHERE id = ? AND workspace_id = ? FOR UPDATE`, campaignID, c.WorkspaceID).Scan(&status); err != nil {
			return err
		}
		live = status == sb.CampaignRunning || status == sb.CampaignPaused
	}
	bucket := sb.AttemptCompleted
	retry := false
	switch {
	case c.Outcome == sb.OutcomeDoNotCall:
		bucket = sb.OutcomeDoNotCall
		if _, err := t.exec(ctx, `UPDATE contacts SET do_not_call = 1, updated_at = ? WHERE workspace_id = ? AND id = ?`, t.now.UnixMicro(), c.WorkspaceID, contactID); err != nil {
			return err
		}
	case camp.Retry.Listed(c.Outcome):
		bucket = sb.AttemptFailed
		retry = live && camp.Retry.Retries(c.Outcome, n)
	}
	if _, err := t.exec(ctx, `UPDATE campaign_attempts SET status = 'completed', bucket = ?, call_id = ?, outcome = ?, reason = NULL, finished_at = ?,
		superseded = ?, next_send_at = NULL, locked_until = NULL, body_enc = NULL WHERE id = ? AND workspace_id = ?`,
		bucket, c.ID, c.Outcome, t.now.UnixMicro(), boolInt(retry), *in.DispatchID, c.WorkspaceID); err != nil {
		return err
	}
	if !retry {
		return nil
	}
	due := t.now.Add(time.Duration(camp.Retry.DelayMinutes) * time.Minute)
	_, err = t.exec(ctx, `INSERT INTO campaign_attempts (id, workspace_id, campaign_id, contact_id, attempt, status, bucket, due_at, created_at)
		VALUES (?, ?, ?, ?, ?, 'retry_scheduled', 'retry_scheduled', ?, ?)`,
		attemptPrefix(campaignID)+contactID+"_"+strconv.FormatInt(n+1, 10), c.WorkspaceID, campaignID, contactID, n+1, due.UnixMicro(), t.now.UnixMicro())
	return err
}

// ---- The dialler's side of the store ----

// callAllowance is the rule of calls/authorize for the dialler: ok is false when
// the workspace may not start a call; remaining is the smallest limit that applies.
func (t *tx) callAllowance(ctx context.Context, w *wsRow) (int64, bool, error) {
	remaining := int64(-1)
	limit := func(r int64) {
		if remaining < 0 || r < remaining {
			remaining = r
		}
	}
	drawsOnAccount := true
	if r, ok := sb.Remaining(int64Ptr(w.MinuteBudget), w.SecondsUsed); ok {
		drawsOnAccount = false
		if r <= 0 {
			return 0, false, nil
		}
		limit(r)
	}
	if w.ParentID.Valid {
		var budget sql.NullInt64
		var used int64
		err := t.queryRow(ctx, `SELECT minute_budget, seconds_used FROM workspaces WHERE id = ? AND account_id = ? AND deleted_at IS NULL`,
			w.ParentID.String, w.AccountID).Scan(&budget, &used)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, false, err
		}
		if r, ok := sb.Remaining(int64Ptr(budget), used); err == nil && ok {
			drawsOnAccount = false
			if r <= 0 {
				return 0, false, nil
			}
			limit(r)
		}
	}
	if drawsOnAccount {
		u, err := t.unallocatedSeconds(ctx, w.AccountID)
		if err != nil {
			return 0, false, err
		}
		if u <= 0 {
			return 0, false, nil
		}
		limit(u)
	}
	return remaining, true, nil
}

// ClaimDispatches is one round of the dialler (sb.DialerStore): it fails attempts
// whose report is overdue, claims sends that are due again (after a failed send,
// or a replica that died holding the lease), then, campaign by campaign, claims
// new attempts within the campaign's limits. Each claimed attempt is written
// in_flight with its dispatch id, report token and body before it is sent.
func (s *Store) ClaimDispatches(ctx context.Context, limit int) ([]sb.Dispatch, error) {
	if err := s.update(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE campaign_attempts SET status = 'failed', bucket = 'failed', reason = 'no_report', finished_at = ?,
			next_send_at = NULL, locked_until = NULL, body_enc = NULL WHERE status = 'in_flight' AND deadline_at < ?`, t.now.UnixMicro(), t.now.UnixMicro())
		// (The partial index campaign_attempts_flight holds only in-flight attempts.)
		return err
	}); err != nil {
		return nil, err
	}
	out, err := s.claimResends(ctx, limit)
	if err != nil {
		return nil, err
	}
	type ref struct{ id, ws string }
	var running []ref
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT id, workspace_id FROM campaigns WHERE status = ? ORDER BY id`), sb.CampaignRunning)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.ws); err != nil {
			rows.Close()
			return nil, err
		}
		running = append(running, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range running {
		if len(out) >= limit {
			break
		}
		var ds []sb.Dispatch
		err := s.update(ctx, func(t *tx) error {
			var err error
			ds, err = t.claimCampaign(ctx, r.ws, r.id, limit-len(out))
			return err
		})
		if err != nil {
			// One campaign's failure never stalls the others.
			s.cfg.Logger.Warn("dialler: claim", "campaign", r.id, "err", err)
			continue
		}
		out = append(out, ds...)
	}
	return out, nil
}

// claimResends leases sends that are due again.
func (s *Store) claimResends(ctx context.Context, limit int) ([]sb.Dispatch, error) {
	var out []sb.Dispatch
	err := s.update(ctx, func(t *tx) error {
		skip := ""
		if t.s.dialect == postgres {
			skip = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := t.query(ctx, `SELECT id, workspace_id, campaign_id, body_enc, send_attempts FROM campaign_attempts
			WHERE next_send_at IS NOT NULL AND next_send_at <= ? AND status = 'in_flight' AND (locked_until IS NULL OR locked_until < ?)
			ORDER BY next_send_at LIMIT ?`+skip, t.now.UnixMicro(), t.now.UnixMicro(), limit)
		if err != nil {
			return err
		}
		var found []sb.Dispatch
		var bodies []string
		for rows.Next() {
			var d sb.Dispatch
			var body sql.NullString
			if err := rows.Scan(&d.ID, &d.WorkspaceID, &d.CampaignID, &body, &d.Sends); err != nil {
				rows.Close()
				return err
			}
			found = append(found, d)
			bodies = append(bodies, body.String)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		lease := t.now.Add(dispatchLease).UnixMicro()
		for i, d := range found {
			w, err := t.loadWorkspace(ctx, d.WorkspaceID, false)
			if err != nil {
				return err
			}
			target, sec, ok, err := t.engineTarget(ctx, w)
			if err != nil {
				return err
			}
			if !ok || bodies[i] == "" {
				continue // no engine now: the deadline ends the attempt
			}
			body, err := secret.Unseal(t.s.cfg.SecretKey, bodies[i])
			if err != nil {
				return err
			}
			res, err := t.exec(ctx, `UPDATE campaign_attempts SET locked_until = ? WHERE id = ? AND status = 'in_flight' AND (locked_until IS NULL OR locked_until < ?)`,
				lease, d.ID, t.now.UnixMicro())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			d.Lease, d.URL, d.Secret, d.Body = lease, target, sec, []byte(body)
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// dispatchBody is the body of a dispatch (campaigns.md).
type dispatchBody struct {
	Type        string          `json:"type"`
	DispatchID  string          `json:"dispatch_id"`
	WorkspaceID string          `json:"workspace_id"`
	CampaignID  string          `json:"campaign_id"`
	Attempt     int64           `json:"attempt"`
	Contact     dispatchContact `json:"contact"`
	Assistant   dispatchAsst    `json:"assistant"`
	ReportURL   string          `json:"report_url"`
	ReportToken string          `json:"report_token"`
	MaxDuration *int64          `json:"max_duration_seconds"`
}

type dispatchContact struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Company   string `json:"company"`
}

type dispatchAsst struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	FirstMessage string `json:"first_message"`
	SystemPrompt string `json:"system_prompt"`
	Voice        string `json:"voice"`
	Language     string `json:"language"`
	Model        string `json:"model"`
}

type candidate struct {
	id, contactID string
	attempt       int64
	missing       bool
	doNotCall     bool
	contact       dispatchContact
}

// claimCampaign claims new attempts of one running campaign. The campaign's row
// lock (PostgreSQL; SQLite has one writer) serialises the replicas' claims, so the
// in-flight count and the day's count read here hold until commit: across all
// replicas no more than max_concurrent_calls are in flight, and no more than
// daily_cap start per local day.
func (t *tx) claimCampaign(ctx context.Context, workspaceID, campaignID string, limit int) ([]sb.Dispatch, error) {
	c, err := scanCampaign(t.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ? AND workspace_id = ?`+t.forUpdate(), campaignID, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil || c.Status != sb.CampaignRunning {
		return nil, err
	}
	w, err := t.loadWorkspace(ctx, workspaceID, false)
	if err != nil {
		return nil, err
	}
	var live int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM campaign_attempts WHERE campaign_id = ? AND status IN ('pending', 'retry_scheduled', 'in_flight') LIMIT 1) x`,
		c.ID).Scan(&live); err != nil {
		return nil, err
	}
	if live == 0 {
		return nil, t.setCampaignStatus(ctx, w, c, sb.CampaignCompleted, nil)
	}
	if w.DeletedAt.Valid || !c.Schedule.Open(t.now) {
		return nil, nil
	}
	target, sec, ok, err := t.engineTarget(ctx, w)
	if err != nil || !ok {
		return nil, err
	}
	var inFlight int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = ? AND status = 'in_flight'`, c.ID).Scan(&inFlight); err != nil {
		return nil, err
	}
	free := c.MaxConcurrentCalls - inFlight
	if c.DailyCap != nil {
		var started int64
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = ? AND dispatched_at IS NOT NULL AND dispatched_at >= ?`,
			c.ID, c.Schedule.LocalDayStart(t.now).UnixMicro()).Scan(&started); err != nil {
			return nil, err
		}
		free = min(free, *c.DailyCap-started)
	}
	free = min(free, int64(limit))
	if free <= 0 {
		return nil, nil
	}
	cands, err := t.candidates(ctx, c, free)
	if err != nil {
		return nil, err
	}
	// Contacts that may no longer be called are cancelled and do not take a slot.
	var callable []candidate
	for len(cands) > 0 {
		skipped := 0
		for _, k := range cands {
			if !k.missing && !k.doNotCall {
				callable = append(callable, k)
				continue
			}
			skipped++
			bucket, reason := sb.AttemptCancelled, "contact_deleted"
			if k.doNotCall {
				bucket, reason = sb.OutcomeDoNotCall, "do_not_call"
			}
			if _, err := t.exec(ctx, `UPDATE campaign_attempts SET status = 'cancelled', bucket = ?, reason = ?, finished_at = ? WHERE id = ?`,
				bucket, reason, t.now.UnixMicro(), k.id); err != nil {
				return nil, err
			}
		}
		if skipped == 0 {
			break
		}
		if cands, err = t.candidates(ctx, c, free-int64(len(callable))); err != nil {
			return nil, err
		}
	}
	if len(callable) == 0 {
		return nil, nil
	}
	remaining, allowed, err := t.callAllowance(ctx, w)
	if err != nil {
		return nil, err
	}
	if !allowed {
		reason := "insufficient_minutes"
		return nil, t.setCampaignStatus(ctx, w, c, sb.CampaignPaused, &reason)
	}
	asst := dispatchAsst{}
	if c.AssistantID != nil {
		err := t.queryRow(ctx, `SELECT id, name, first_message, system_prompt, voice, language, model FROM assistants WHERE id = ? AND workspace_id = ?`,
			*c.AssistantID, w.ID).Scan(&asst.ID, &asst.Name, &asst.FirstMessage, &asst.SystemPrompt, &asst.Voice, &asst.Language, &asst.Model)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	// No call may last longer than a report accepts (24 h).
	maxDur := min(remaining, int64(sb.MaxCallDuration/time.Second))
	deadline := t.now.Add(time.Duration(maxDur)*time.Second + ReportGrace)
	if remaining < 0 {
		deadline = t.now.Add(NoLimitDuration + ReportGrace)
	}
	lease := t.now.Add(dispatchLease).UnixMicro()
	var out []sb.Dispatch
	for _, k := range callable {
		token := secret.Token(ReportTokenPrefix)
		b := dispatchBody{Type: "call.requested", DispatchID: k.id, WorkspaceID: w.ID, CampaignID: c.ID, Attempt: k.attempt,
			Contact: k.contact, Assistant: asst, ReportURL: t.s.cfg.BaseURL + "/api/v1/workspaces/" + w.ID + "/calls",
			ReportToken: token}
		if remaining >= 0 {
			b.MaxDuration = &maxDur
		}
		body, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		enc, err := secret.Seal(t.s.cfg.SecretKey, string(body))
		if err != nil {
			return nil, err
		}
		res, err := t.exec(ctx, `UPDATE campaign_attempts SET status = 'in_flight', bucket = 'in_flight', dispatched_at = ?, deadline_at = ?,
			report_token_hash = ?, body_enc = ?, next_send_at = ?, locked_until = ? WHERE id = ? AND status IN ('pending', 'retry_scheduled')`,
			t.now.UnixMicro(), deadline.UnixMicro(), secret.HashToken(token), enc, t.now.UnixMicro(), lease, k.id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		out = append(out, sb.Dispatch{ID: k.id, Lease: lease, WorkspaceID: w.ID, CampaignID: c.ID, URL: target, Secret: sec, Body: body})
	}
	return out, nil
}

// candidates reads up to n attempts that may be dispatched now: retries that are
// due first, then pending ones, earliest due first (ties in the queue index's own
// order), each with its contact.
func (t *tx) candidates(ctx context.Context, c *sb.Campaign, n int64) ([]candidate, error) {
	var out []candidate
	if n <= 0 {
		return nil, nil
	}
	for _, st := range []string{sb.AttemptRetryScheduled, sb.AttemptPending} {
		if int64(len(out)) >= n {
			break
		}
		rows, err := t.query(ctx, `SELECT a.id, a.contact_id, a.attempt, k.id, k.do_not_call, k.first_name, k.last_name, k.phone, k.email, k.company
			FROM campaign_attempts a LEFT JOIN contacts k ON k.workspace_id = a.workspace_id AND k.id = a.contact_id
			WHERE a.campaign_id = ? AND a.status = ? AND a.due_at <= ? ORDER BY a.due_at LIMIT ?`,
			c.ID, st, t.now.UnixMicro(), n-int64(len(out)))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k candidate
			var kid, first, last, phone, email, company sql.NullString
			var dnc sql.NullInt64
			if err := rows.Scan(&k.id, &k.contactID, &k.attempt, &kid, &dnc, &first, &last, &phone, &email, &company); err != nil {
				rows.Close()
				return nil, err
			}
			k.missing = !kid.Valid
			k.doNotCall = dnc.Int64 != 0
			k.contact = dispatchContact{ID: k.contactID, FirstName: first.String, LastName: last.String, Phone: phone.String, Email: email.String, Company: company.String}
			out = append(out, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setCampaignStatus is the dialler's own change of a running campaign: completed
// when nothing is left, paused (with a reason) when minutes ran out. Audited.
func (t *tx) setCampaignStatus(ctx context.Context, w *wsRow, c *sb.Campaign, status string, reason *string) error {
	res, err := t.exec(ctx, `UPDATE campaigns SET status = ?, paused_reason = ?, updated_at = ? WHERE id = ? AND workspace_id = ? AND status = 'running'`,
		status, nullString(reason), t.now.UnixMicro(), c.ID, w.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil
	}
	details := map[string]any{"before": c.Status, "after": status}
	if reason != nil {
		details["reason"] = *reason
	}
	if err := t.audit(ctx, sb.Actor{System: "dialler", Email: "dialler"}, w.ID, w.AccountID, "campaign."+status, c.ID, details); err != nil {
		return err
	}
	// Webhooks hear of it in the same transaction (docs/webhooks.md).
	changed := *c
	changed.Status, changed.PausedReason, changed.UpdatedAt = status, reason, t.now
	eventType := sb.EventCampaignCompleted
	if status == sb.CampaignPaused {
		eventType = sb.EventCampaignPaused
	}
	_, err = t.emit(ctx, w.ID, w.AccountID, eventType, &changed)
	return err
}

// FinishDispatch records the answer to one send, if the caller still holds its lease.
func (s *Store) FinishDispatch(ctx context.Context, d sb.Dispatch, r sb.DispatchResult) error {
	return s.FinishDispatches(ctx, []sb.Dispatch{d}, []sb.DispatchResult{r})
}

// FinishDispatches records the answers to a round's sends in one transaction (one
// commit for the round instead of one per dispatch); each only if its lease holds.
func (s *Store) FinishDispatches(ctx context.Context, ds []sb.Dispatch, rs []sb.DispatchResult) error {
	return s.update(ctx, func(t *tx) error {
		for i := range ds {
			if err := t.finishDispatch(ctx, ds[i], rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *tx) finishDispatch(ctx context.Context, d sb.Dispatch, r sb.DispatchResult) error {
	var err error
	switch {
	case r.Taken:
		_, err = t.exec(ctx, `UPDATE campaign_attempts SET sent_at = ?, send_attempts = send_attempts + 1, next_send_at = NULL, locked_until = NULL, body_enc = NULL, reason = NULL
			WHERE id = ? AND locked_until = ?`, t.now.UnixMicro(), d.ID, d.Lease)
	case r.Refused:
		_, err = t.exec(ctx, `UPDATE campaign_attempts SET status = 'failed', bucket = 'failed', reason = ?, finished_at = ?, send_attempts = send_attempts + 1,
			next_send_at = NULL, locked_until = NULL, body_enc = NULL WHERE id = ? AND locked_until = ? AND status = 'in_flight'`,
			truncate("engine_refused: "+r.Detail, 500), t.now.UnixMicro(), d.ID, d.Lease)
	default:
		_, err = t.exec(ctx, `UPDATE campaign_attempts SET send_attempts = send_attempts + 1, next_send_at = ?, locked_until = NULL, reason = ?
			WHERE id = ? AND locked_until = ? AND status = 'in_flight'`,
			t.now.Add(r.RetryIn).UnixMicro(), truncate("engine_unavailable: "+r.Detail, 500), d.ID, d.Lease)
	}
	return err
}
