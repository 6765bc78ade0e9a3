package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// AuthorizeCall answers whether a workspace may start a call now (product.md):
// its own budget, when it has one, must have seconds left; so must its agency's,
// when the agency has one; and a workspace drawing on the account (no budget of
// its own, no budgeted agency) needs the account's unallocated seconds above zero.
//
// It reads only the workspace, its agency and, for a workspace drawing on the
// account, one aggregate over the account's budgeted workspaces (a partial index
// holds just those), so it stays cheap on accounts with many workspaces and cannot
// drift from the figures it is computed from.
//
// remaining_seconds is the smallest limit that applies. Every workspace has one (a
// budget, its agency's, or the account's unallocated seconds), so it is never null.
func (s *Store) AuthorizeCall(ctx context.Context, actor sb.Actor, workspaceID string, in sb.AuthorizeCallInput) (*sb.CallAuthorization, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.CallAuthorization
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionAdminister, false)
		if err != nil {
			return err
		}
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
				return sb.Errorf(sb.ECodeInsufficientMins, "This workspace has used its whole minute budget: 0 minutes are available; its owner can raise the budget before more calls start.")
			}
			limit(r)
		}
		if w.ParentID.Valid {
			var budget sql.NullInt64
			var used int64
			err := t.queryRow(ctx, `SELECT minute_budget, seconds_used FROM workspaces WHERE id = ? AND account_id = ? AND deleted_at IS NULL`,
				w.ParentID.String, w.AccountID).Scan(&budget, &used)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if r, ok := sb.Remaining(int64Ptr(budget), used); err == nil && ok {
				drawsOnAccount = false
				if r <= 0 {
					return sb.Errorf(sb.ECodeInsufficientMins, "The agency of this workspace has used its whole minute budget: 0 minutes are available; the agency's owner can raise it before more calls start.")
				}
				limit(r)
			}
		}
		if drawsOnAccount {
			u, err := t.unallocatedSeconds(ctx, w.AccountID)
			if err != nil {
				return err
			}
			if u <= 0 {
				return sb.Errorf(sb.ECodeInsufficientMins, "The account has no unallocated minutes left: 0 minutes are available; add minutes to the account or lower other workspaces' budgets before more calls start.")
			}
			limit(u)
		}
		out = &sb.CallAuthorization{Allowed: true, RemainingSeconds: &remaining}
		return nil
	})
	return out, err
}

// unallocatedSeconds is minuteBook.unallocated computed by the database in one
// statement: the pool balance less the remaining seconds of the budgets carved
// from the account (budgeted workspaces that are not clients of a budgeted agency).
func (t *tx) unallocatedSeconds(ctx context.Context, accountID string) (int64, error) {
	var u int64
	err := t.queryRow(ctx, `SELECT a.balance_seconds - COALESCE((
		SELECT SUM(CASE WHEN w.minute_budget * 60 > w.seconds_used THEN w.minute_budget * 60 - w.seconds_used ELSE 0 END)
		FROM workspaces w LEFT JOIN workspaces p ON p.id = w.parent_id AND p.deleted_at IS NULL
		WHERE w.account_id = ? AND w.minute_budget IS NOT NULL AND w.deleted_at IS NULL
		AND (p.id IS NULL OR p.minute_budget IS NULL)), 0)
		FROM accounts a WHERE a.id = ?`, accountID, accountID).Scan(&u)
	return u, err
}

// errReplayRace aborts a report whose INSERT lost a race with a concurrent report
// of the same external_id: the transaction rolls back (nothing debited) and the
// report is read again.
var errReplayRace = errors.New("store: concurrent report of the same call")

// ReportCall records a finished call, idempotently by external_id per workspace. The
// call, its conversation, the debit of the workspace, its agency and the account's
// pool, and the analytics aggregates are one transaction.
func (s *Store) ReportCall(ctx context.Context, actor sb.Actor, workspaceID string, in sb.ReportCallInput) (*sb.Call, bool, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	var transcript []byte
	if in.RecordingURL != nil || len(in.Transcript) > 0 {
		turns := in.Transcript
		if turns == nil {
			turns = []sb.Turn{}
		}
		var err error
		if transcript, err = json.Marshal(turns); err != nil {
			return nil, false, err
		}
	}
	report := s.reportCallSQLite // callsqlite.go: group commit
	if s.dialect == postgres {
		report = s.reportCallPG // callpg.go: one read, one pipeline
	}
	// A report that lost the race to insert the same call as a concurrent one
	// (errReplayRace: nothing of it was written) runs again and finds that call.
	for attempt := 0; ; attempt++ {
		out, created, err := report(ctx, actor, workspaceID, &in, transcript)
		if errors.Is(err, errReplayRace) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if created {
			s.observer().CallReported(out.DurationSeconds)
		}
		return out, created, nil
	}
}

// checkCallRefs refuses a call naming an assistant, campaign or contact that is not
// in the workspace.
func (t *tx) checkCallRefs(ctx context.Context, workspaceID string, in *sb.ReportCallInput) error {
	var v sb.Validation
	for _, ref := range []struct {
		table, loc, what string
		id               *string
	}{
		{"assistants", "body.assistant_id", "assistant", in.AssistantID},
		{"campaigns", "body.campaign_id", "campaign", in.CampaignID},
		{"contacts", "body.contact_id", "contact", in.ContactID},
	} {
		if ref.id == nil {
			continue
		}
		var one int
		err := t.queryRow(ctx, `SELECT 1 FROM `+ref.table+` WHERE id = ? AND workspace_id = ?`, *ref.id, workspaceID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			v.Add(ref.loc, "There is no %s with this id in this workspace.", ref.what)
			continue
		}
		if err != nil {
			return err
		}
	}
	return v.Err()
}

func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errors.New("store: debit changed no row")
	}
	return nil
}

// dayStart is the start of the UTC day of t, in Unix microseconds.
func dayStart(t time.Time) int64 { return t.UTC().Truncate(sb.Day).UnixMicro() }

// countCall adds a call to the analytics aggregates.
func (t *tx) countCall(ctx context.Context, c *sb.Call) error {
	day := dayStart(c.StartedAt)
	if _, err := t.hotExec(ctx, `INSERT INTO call_stats_daily (workspace_id, day, outcome, calls, seconds) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (workspace_id, day, outcome) DO UPDATE SET calls = call_stats_daily.calls + 1, seconds = call_stats_daily.seconds + excluded.seconds`,
		c.WorkspaceID, day, c.Outcome, c.DurationSeconds); err != nil {
		return err
	}
	if c.AssistantID == nil {
		return nil
	}
	_, err := t.hotExec(ctx, `INSERT INTO call_stats_assistant_daily (workspace_id, day, assistant_id, calls, seconds) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (workspace_id, day, assistant_id) DO UPDATE SET calls = call_stats_assistant_daily.calls + 1, seconds = call_stats_assistant_daily.seconds + excluded.seconds`,
		c.WorkspaceID, day, *c.AssistantID, c.DurationSeconds)
	return err
}

const callColumns = `id, workspace_id, external_id, direction, from_number, to_number, started_at, ended_at, duration_seconds, outcome, assistant_id, campaign_id, contact_id, created_at`

func scanCall(sc interface{ Scan(...any) error }) (*sb.Call, error) {
	var c sb.Call
	var started, ended, created int64
	var assistant, campaign, contact sql.NullString
	if err := sc.Scan(&c.ID, &c.WorkspaceID, &c.ExternalID, &c.Direction, &c.From, &c.To, &started, &ended,
		&c.DurationSeconds, &c.Outcome, &assistant, &campaign, &contact, &created); err != nil {
		return nil, err
	}
	c.StartedAt, c.EndedAt, c.CreatedAt = toTime(started), toTime(ended), toTime(created)
	c.AssistantID, c.CampaignID, c.ContactID = stringPtr(assistant), stringPtr(campaign), stringPtr(contact)
	return &c, nil
}

// callCursor is the keyset position after a call: its start time and id.
func callCursor(c sb.Call) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.StartedAt.UnixMicro(), 10) + ":" + c.ID))
}

func parseCallCursor(s string) (int64, string, error) {
	bad := &sb.Error{Code: sb.ECodeValidation, Message: "The cursor is not one this list gave out; start again without it.",
		Fields: []sb.FieldError{{Location: "query.cursor", Message: "Unknown cursor."}}}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, "", bad
	}
	us, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", bad
	}
	return n, id, nil
}

// ListCalls lists a workspace's calls, newest first, by keyset on (started_at, id).
func (s *Store) ListCalls(ctx context.Context, actor sb.Actor, workspaceID string, f sb.CallFilter, p sb.Page) ([]sb.Call, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	p = p.Bounded()
	var out []sb.Call
	next := ""
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionBrowseCalls, false)
		if err != nil {
			return err
		}
		q := `SELECT ` + callColumns + ` FROM calls WHERE workspace_id = ?`
		args := []any{w.ID}
		if f.From != nil {
			q += ` AND started_at >= ?`
			args = append(args, f.From.UnixMicro())
		}
		if f.To != nil {
			q += ` AND started_at < ?`
			args = append(args, f.To.UnixMicro())
		}
		if f.Outcome != "" {
			q += ` AND outcome = ?`
			args = append(args, f.Outcome)
		}
		if f.AssistantID != "" {
			q += ` AND assistant_id = ?`
			args = append(args, f.AssistantID)
		}
		if f.CampaignID != "" {
			q += ` AND campaign_id = ?`
			args = append(args, f.CampaignID)
		}
		if p.Cursor != "" {
			us, id, err := parseCallCursor(p.Cursor)
			if err != nil {
				return err
			}
			// The first condition bounds the index range; the second skips the
			// calls of the same instant already shown.
			q += ` AND started_at <= ? AND (started_at < ? OR id < ?)`
			args = append(args, us, us, id)
		}
		q += ` ORDER BY started_at DESC, id DESC LIMIT ?`
		args = append(args, p.Limit+1)
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = make([]sb.Call, 0, p.Limit+1)
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > p.Limit {
			out = out[:p.Limit]
			next = callCursor(out[len(out)-1])
		}
		return nil
	})
	return out, next, err
}

func (t *tx) loadCall(ctx context.Context, workspaceID, id string) (*sb.Call, error) {
	c, err := scanCall(t.queryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Call")
	}
	return c, err
}

// GetCall returns one call's metadata.
func (s *Store) GetCall(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Call, error) {
	var out *sb.Call
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionBrowseCalls, false)
		if err != nil {
			return err
		}
		out, err = t.loadCall(ctx, w.ID, id)
		return err
	})
	return out, err
}

// GetConversation returns a call's transcript and recording URL (member+).
func (s *Store) GetConversation(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Conversation, error) {
	var out *sb.Conversation
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionReadConversations, false)
		if err != nil {
			return err
		}
		if _, err := t.loadCall(ctx, w.ID, id); err != nil {
			return err
		}
		out = &sb.Conversation{Transcript: []sb.Turn{}}
		var transcript string
		var recording sql.NullString
		err = t.queryRow(ctx, `SELECT transcript, recording_url FROM call_conversations WHERE call_id = ? AND workspace_id = ?`, id, w.ID).Scan(&transcript, &recording)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		out.RecordingURL = stringPtr(recording)
		return json.Unmarshal([]byte(transcript), &out.Transcript)
	})
	return out, err
}

// Analytics reports a workspace's own calls over whole UTC days from the
// aggregates (never by scanning calls). The range defaults to the last 30 days;
// it covers every day that overlaps [from, to).
func (s *Store) Analytics(ctx context.Context, actor sb.Actor, workspaceID string, q sb.AnalyticsQuery) (*sb.Analytics, error) {
	if q.Interval == "" {
		q.Interval = "day"
	}
	if q.Interval != "day" {
		return nil, &sb.Error{Code: sb.ECodeValidation, Message: "The interval must be \"day\".",
			Fields: []sb.FieldError{{Location: "query.interval", Message: "Must be day."}}}
	}
	var out *sb.Analytics
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewWorkspace, false)
		if err != nil {
			return err
		}
		to := q.To
		if to.IsZero() {
			to = t.now
		}
		from := q.From
		if from.IsZero() {
			from = to.Add(-30 * sb.Day)
		}
		if to.Before(from) {
			return &sb.Error{Code: sb.ECodeValidation, Message: "The end of the range must not be before its start.",
				Fields: []sb.FieldError{{Location: "query.to", Message: "Before from."}}}
		}
		fromDay := from.UTC().Truncate(sb.Day)
		toDay := to.UTC().Truncate(sb.Day)
		if !toDay.Equal(to) || toDay.Equal(fromDay) {
			toDay = toDay.Add(sb.Day)
		}
		if fromDay.Year() < 1 || toDay.Year() > 9999 {
			return &sb.Error{Code: sb.ECodeValidation, Message: "The range must lie between the years 1 and 9999.",
				Fields: []sb.FieldError{{Location: "query.to", Message: "Out of range."}}}
		}
		days := int(toDay.Sub(fromDay) / sb.Day)
		if days > sb.MaxAnalyticsDays {
			return &sb.Error{Code: sb.ECodeValidation, Message: "The range can span at most " + strconv.Itoa(sb.MaxAnalyticsDays) + " days; narrow it.",
				Fields: []sb.FieldError{{Location: "query.from", Message: "Range too long."}}}
		}
		a := &sb.Analytics{From: fromDay, To: toDay, Interval: q.Interval,
			Totals: sb.AnalyticsTotals{ByOutcome: map[string]int64{}}, Series: make([]sb.AnalyticsPoint, days), ByAsst: []sb.AssistantStats{}}
		for _, o := range sb.Outcomes {
			a.Totals.ByOutcome[o] = 0
		}
		for i := range a.Series {
			a.Series[i].Start = fromDay.Add(time.Duration(i) * sb.Day)
			a.Series[i].ByOutcome = make(map[string]int64, len(sb.Outcomes))
			for _, o := range sb.Outcomes {
				a.Series[i].ByOutcome[o] = 0
			}
		}
		// An agency's analytics roll up its clients' calls (deleted ones too: their
		// minutes count in the agency's usage), with a per-client breakdown.
		a.Clients = []sb.ClientStats{}
		scope := `workspace_id = ?`
		scopeArgs := []any{w.ID}
		clientAt := map[string]int{}
		if w.Type == sb.WorkspaceAgency {
			scope = `workspace_id IN (SELECT id FROM workspaces WHERE account_id = ? AND (id = ? OR parent_id = ?))`
			scopeArgs = []any{w.AccountID, w.ID, w.ID}
			crows, err := t.query(ctx, `SELECT id, name, deleted_at IS NOT NULL FROM workspaces WHERE account_id = ? AND parent_id = ? ORDER BY name, id`, w.AccountID, w.ID)
			if err != nil {
				return err
			}
			for crows.Next() {
				cs := sb.ClientStats{ByOutcome: map[string]int64{}}
				if err := crows.Scan(&cs.WorkspaceID, &cs.Name, &cs.Deleted); err != nil {
					crows.Close()
					return err
				}
				for _, o := range sb.Outcomes {
					cs.ByOutcome[o] = 0
				}
				clientAt[cs.WorkspaceID] = len(a.Clients)
				a.Clients = append(a.Clients, cs)
			}
			crows.Close()
			if err := crows.Err(); err != nil {
				return err
			}
		}
		rows, err := t.query(ctx, `SELECT workspace_id, day, outcome, calls, seconds FROM call_stats_daily WHERE `+scope+` AND day >= ? AND day < ?`,
			append(scopeArgs, fromDay.UnixMicro(), toDay.UnixMicro())...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var day, calls, seconds int64
			var wsID, outcome string
			if err := rows.Scan(&wsID, &day, &outcome, &calls, &seconds); err != nil {
				return err
			}
			i := int(toTime(day).Sub(fromDay) / sb.Day)
			if i >= 0 && i < days {
				a.Series[i].Calls += calls
				a.Series[i].Seconds += seconds
				a.Series[i].ByOutcome[outcome] += calls
			}
			a.Totals.Calls += calls
			a.Totals.Seconds += seconds
			a.Totals.ByOutcome[outcome] += calls
			if k, ok := clientAt[wsID]; ok {
				c := &a.Clients[k]
				c.Calls += calls
				c.Seconds += seconds
				c.ByOutcome[outcome] += calls
			} else {
				a.Own.Calls += calls
				a.Own.Seconds += seconds
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		rows, err = t.query(ctx, `SELECT s.workspace_id, s.assistant_id, COALESCE(MAX(x.name), ''), SUM(s.calls), SUM(s.seconds)
			FROM call_stats_assistant_daily s LEFT JOIN assistants x ON x.workspace_id = s.workspace_id AND x.id = s.assistant_id
			WHERE s.`+scope+` AND s.day >= ? AND s.day < ? GROUP BY s.workspace_id, s.assistant_id ORDER BY 4 DESC, s.assistant_id`,
			append(scopeArgs, fromDay.UnixMicro(), toDay.UnixMicro())...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st sb.AssistantStats
			if err := rows.Scan(&st.WorkspaceID, &st.AssistantID, &st.Name, &st.Calls, &st.Seconds); err != nil {
				return err
			}
			a.ByAsst = append(a.ByAsst, st)
		}
		out = a
		return rows.Err()
	})
	return out, err
}
