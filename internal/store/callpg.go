package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Issue 15 on PostgreSQL: a call report of an account locks the account's balance
// row (and the workspace's, its agency's, its day's stats row), and every report
// of the account waits for those locks, so what counts is how long they are held:
// from the first shared-row write to the COMMIT. ReportCall on PostgreSQL
// (reportCallPG) therefore runs in four round trips, like the raw anchor
// (BEGIN, INSERT, UPDATE, COMMIT):
//
//  1. BEGIN;
//  2. one read, no lock taken: the workspace, the actor's roles in it and in its
//     agency, the stored call of this external_id (a replay), the referenced
//     assistant/campaign/contact, whether a webhook wants call.completed;
//  3. one pipeline (pgx batch) of two statements: a data-modifying CTE that
//     inserts the call (ON CONFLICT DO NOTHING: a concurrent report of the same
//     call makes the report a replay), its conversation and its call.completed
//     event, then debits the account, the agency and the workspace (in the lock
//     order, through data dependencies) and upserts the day's stats, returning
//     the figures after the debit; and a read of what the alert checks need (the
//     announced budget levels, the pool-low figures), as a second statement so
//     that it sees every report committed before this one took the locks;
//  4. COMMIT, unless a threshold or the low pool is due: then the alert code of
//     alert.go runs as before (still under the locks, in the same transaction,
//     so alerts stay exactly-once); that is a few reports per budget.
//
// The shared locks are thus held for one round trip and the commit, as the
// anchor's. Reports of a dispatch (dispatch_id) insert the call first, as before,
// because the attempt's bookkeeping (reportAttempt) refers to it.

// reportCallPG is ReportCall on PostgreSQL.
func (s *Store) reportCallPG(ctx context.Context, actor sb.Actor, workspaceID string, in sb.ReportCallInput) (*sb.Call, bool, error) {
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
	// One connection for the whole report: the pipeline runs on it, inside the
	// transaction that database/sql began on it.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	for attempt := 0; ; attempt++ {
		var out *sb.Call
		created := false
		err := s.run(ctx, conn, false, func(t *tx) error {
			var err error
			out, created, err = t.reportCallPG(ctx, conn, actor, workspaceID, &in, transcript)
			return err
		})
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

// callPrelude is what a report reads before it writes.
type callPrelude struct {
	w              *wsRow
	role, parent   sql.NullString
	prior          sql.NullString
	refs           [3]bool
	completedWants bool
}

func (t *tx) reportCallPG(ctx context.Context, conn *sql.Conn, actor sb.Actor, workspaceID string, in *sb.ReportCallInput, transcript []byte) (*sb.Call, bool, error) {
	if actor.ReportDispatchID != "" {
		// A report token: its own gate (a few reads, no lock).
		if _, err := t.callAccess(ctx, actor, workspaceID, in); err != nil {
			return nil, false, err
		}
	}
	p, err := t.callPrelude(ctx, actor, workspaceID, in)
	if err != nil {
		return nil, false, err
	}
	w := p.w
	if actor.ReportDispatchID == "" {
		if err := p.authorize(t, actor); err != nil {
			return nil, false, err
		}
	}
	if p.prior.Valid {
		prior, err := scanCall(t.queryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE id = ?`, p.prior.String))
		return prior, false, err
	}
	if err := p.refsErr(in); err != nil {
		return nil, false, err
	}
	t.at("call.before_insert")
	c := &sb.Call{
		ID: secret.NewID("cal", t.now), WorkspaceID: w.ID, ExternalID: in.ExternalID, Direction: in.Direction,
		From: in.From, To: in.To, StartedAt: in.Started.Truncate(time.Microsecond), EndedAt: in.Ended.Truncate(time.Microsecond),
		DurationSeconds: in.Duration, Outcome: in.Outcome,
		AssistantID: in.AssistantID, CampaignID: in.CampaignID, ContactID: in.ContactID, CreatedAt: t.now,
	}
	callArgs := []any{c.ID, c.WorkspaceID, c.ExternalID, c.Direction, c.From, c.To, c.StartedAt.UnixMicro(), c.EndedAt.UnixMicro(),
		c.DurationSeconds, c.Outcome, nullString(c.AssistantID), nullString(c.CampaignID), nullString(c.ContactID), t.now.UnixMicro()}
	insertInCTE := in.DispatchID == nil
	if !insertInCTE {
		// The attempt's bookkeeping refers to the call: insert it first.
		_, err := t.exec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES (`+placeholders(14)+`)`, callArgs...)
		if isUniqueViolation(err) {
			return nil, false, errReplayRace
		}
		if err != nil {
			return nil, false, err
		}
		t.at("call.inserted")
		if err := t.reportAttempt(ctx, c, in); err != nil {
			return nil, false, err
		}
	}

	// The one statement that writes (see the top of the file).
	var q strings.Builder
	var args []any
	add := func(s string, a ...any) {
		q.WriteString(s)
		args = append(args, a...)
	}
	if insertInCTE {
		add(`WITH ins AS (INSERT INTO calls (`+callColumns+`) VALUES (`+placeholders(14)+`)
			ON CONFLICT (workspace_id, external_id) DO NOTHING RETURNING 1 AS one)`, callArgs...)
	} else {
		add(`WITH ins AS (SELECT 1 AS one)`)
	}
	if transcript != nil {
		add(`, cv AS (INSERT INTO call_conversations (call_id, workspace_id, transcript, recording_url)
			SELECT ?::text, ?::text, ?::text, ?::text FROM ins)`, c.ID, w.ID, string(transcript), nullString(in.RecordingURL))
	}
	if p.completedWants {
		raw, err := json.Marshal(c)
		if err != nil {
			return nil, false, err
		}
		add(`, ev AS (INSERT INTO events (id, workspace_id, account_id, type, data, created_at, dispatched)
			SELECT ?::text, ?::text, ?::text, ?::text, ?::text, ?::bigint, 0 FROM ins)`,
			secret.NewID("evt", t.now), w.ID, w.AccountID, sb.EventCallCompleted, string(raw), t.now.UnixMicro())
	}
	seconds := c.DurationSeconds
	statsFrom := "ins"
	if seconds > 0 {
		// The lock order: the account, then the agency, then the workspace, then
		// the rows inside it (the stats). Each UPDATE's WHERE reads the one before
		// (an InitPlan, evaluated before the row is locked), which orders them; the
		// account's reads ins, so the call is inserted (and a concurrent report of
		// the same call waited for) before any shared lock is taken.
		add(`, a AS (UPDATE accounts SET balance_seconds = balance_seconds - ?::bigint WHERE id = ? AND EXISTS (SELECT 1 FROM ins) RETURNING id)`,
			seconds, w.AccountID)
		prev := `SELECT id FROM a`
		if w.ParentID.Valid {
			add(`, g AS (UPDATE workspaces SET seconds_used = seconds_used + ?::bigint WHERE id = ? AND account_id = (SELECT id FROM a)
				RETURNING account_id, minute_budget, seconds_used, name)`, seconds, w.ParentID.String)
			prev = `SELECT account_id FROM g`
		}
		add(`, w AS (UPDATE workspaces SET seconds_used = seconds_used + ?::bigint WHERE id = ? AND account_id = (`+prev+`)
			RETURNING minute_budget, seconds_used, name)`, seconds, w.ID)
		statsFrom = "w"
	}
	day := dayStart(c.StartedAt)
	add(`, st AS (INSERT INTO call_stats_daily (workspace_id, day, outcome, calls, seconds) SELECT ?::text, ?::bigint, ?::text, 1, ?::bigint FROM `+statsFrom+`
		ON CONFLICT (workspace_id, day, outcome) DO UPDATE SET calls = call_stats_daily.calls + 1, seconds = call_stats_daily.seconds + excluded.seconds)`,
		w.ID, day, c.Outcome, seconds)
	if c.AssistantID != nil {
		add(`, sa AS (INSERT INTO call_stats_assistant_daily (workspace_id, day, assistant_id, calls, seconds) SELECT ?::text, ?::bigint, ?::text, 1, ?::bigint FROM `+statsFrom+`
			ON CONFLICT (workspace_id, day, assistant_id) DO UPDATE SET calls = call_stats_assistant_daily.calls + 1, seconds = call_stats_assistant_daily.seconds + excluded.seconds)`,
			w.ID, day, *c.AssistantID, seconds)
	}
	switch {
	case seconds <= 0:
		add(` SELECT (SELECT count(*) FROM ins), NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, NULL::bigint, NULL::text`)
	case w.ParentID.Valid:
		add(` SELECT (SELECT count(*) FROM ins), w.minute_budget, w.seconds_used, w.name, g.minute_budget, g.seconds_used, g.name
			FROM (SELECT 1) one LEFT JOIN w ON true LEFT JOIN g ON true`)
	default:
		add(` SELECT (SELECT count(*) FROM ins), w.minute_budget, w.seconds_used, w.name, NULL::bigint, NULL::bigint, NULL::text
			FROM (SELECT 1) one LEFT JOIN w ON true`)
	}

	// What the alert checks read, as a statement of its own (its snapshot is taken
	// after the debit's locks were granted, so it sees every report before this one).
	var check pgCallCheck
	var checkQ string
	var checkArgs []any
	if seconds > 0 {
		checkQ = `SELECT (SELECT level FROM budget_alert_levels WHERE workspace_id = ?), (SELECT level FROM budget_alert_levels WHERE workspace_id = ?),
			pl.fired, pl.grant_id, pl.seconds, pl.unallocated
			FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT p.grant_id AS fired, g.id AS grant_id, g.seconds, a.balance_seconds - COALESCE((
				SELECT SUM(CASE WHEN w.minute_budget * 60 > w.seconds_used THEN w.minute_budget * 60 - w.seconds_used ELSE 0 END)
				FROM workspaces w LEFT JOIN workspaces pw ON pw.id = w.parent_id AND pw.deleted_at IS NULL
				WHERE w.account_id = a.id AND w.minute_budget IS NOT NULL AND w.deleted_at IS NULL
				AND (pw.id IS NULL OR pw.minute_budget IS NULL)), 0) AS unallocated
				FROM accounts a JOIN minute_grants g ON g.account_id = a.id
				LEFT JOIN pool_low_alerts p ON p.account_id = a.id
				WHERE a.id = ? ORDER BY g.created_at DESC, g.id DESC LIMIT 1) pl ON true`
		checkArgs = []any{w.ID, nullString(stringPtr(w.ParentID)), w.AccountID}
	}

	var inserted int64
	var usage debitUsage
	var selfUsed, agencyUsed sql.NullInt64
	var selfName, agencyName sql.NullString
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		b.Queue(t.s.rebind(q.String()), args...)
		if checkQ != "" {
			b.Queue(t.s.rebind(checkQ), checkArgs...)
		}
		br := pc.SendBatch(ctx, b)
		err := br.QueryRow().Scan(&inserted, &usage.self.budget, &selfUsed, &selfName, &usage.agency.budget, &agencyUsed, &agencyName)
		if err == nil && checkQ != "" {
			err = br.QueryRow().Scan(&check.level, &check.agencyLevel, &check.fired, &check.grantID, &check.grantSeconds, &check.unallocated)
		}
		return errors.Join(err, br.Close())
	})
	if err != nil {
		return nil, false, err
	}
	if inserted == 0 {
		return nil, false, errReplayRace // a concurrent report of this call committed first
	}
	if insertInCTE {
		t.at("call.inserted")
	}
	if seconds <= 0 {
		return c, true, nil
	}
	if !selfUsed.Valid || (w.ParentID.Valid && !agencyUsed.Valid) {
		return nil, false, errors.New("store: debit changed no row")
	}
	usage.self.used, usage.self.name, usage.self.ok = selfUsed.Int64, selfName.String, true
	if w.ParentID.Valid {
		usage.agency.used, usage.agency.name, usage.agency.ok = agencyUsed.Int64, agencyName.String, true
	}
	if check.due(w, usage) {
		// A threshold or the low pool to announce: alert.go, as on SQLite.
		if err := t.afterCallReportedUsage(ctx, actor, w, c, usage); err != nil {
			return nil, false, err
		}
	}
	return c, true, nil
}

// pgCallCheck is what the alert checks of afterCallReportedUsage read.
type pgCallCheck struct {
	level, agencyLevel sql.NullInt64
	fired, grantID     sql.NullString
	grantSeconds       sql.NullInt64
	unallocated        sql.NullInt64
}

// due reports whether afterCallReportedUsage would announce anything: a budget
// threshold reached above the level announced, or the low pool not yet announced
// for the last grant (checkThresholdsKnown and checkPoolLow decide alike).
func (k *pgCallCheck) due(w *wsRow, u debitUsage) bool {
	reached := func(x wsUsage, level sql.NullInt64) (bool, bool) {
		draws := !x.budget.Valid || x.used > x.budget.Int64*60
		return sb.ThresholdReached(int64Ptr(x.budget), x.used) > level.Int64, draws
	}
	due, draws := reached(u.self, k.level)
	if w.ParentID.Valid {
		agencyDue, agencyDraws := reached(u.agency, k.agencyLevel)
		due, draws = due || agencyDue, draws && agencyDraws
	}
	if due {
		return true
	}
	return draws && k.grantID.Valid && k.fired.String != k.grantID.String &&
		k.grantSeconds.Int64 > 0 && k.unallocated.Int64*10 < k.grantSeconds.Int64
}

// callPrelude reads, in one statement and without a lock, what a report checks
// before it writes.
func (t *tx) callPrelude(ctx context.Context, actor sb.Actor, workspaceID string, in *sb.ReportCallInput) (*callPrelude, error) {
	user := ""
	if !actor.IsAPIKey() {
		user = actor.UserID
	}
	var p callPrelude
	var w wsRow
	err := t.queryRow(ctx, `SELECT w.id, w.account_id, w.parent_id, w.type, w.name, w.description, w.minute_budget, w.seconds_used, w.created_at, w.deleted_at,
		(SELECT role FROM memberships WHERE workspace_id = w.id AND user_id = ?),
		(SELECT role FROM memberships WHERE workspace_id = w.parent_id AND user_id = ?),
		(SELECT id FROM calls WHERE workspace_id = w.id AND external_id = ?),
		EXISTS (SELECT 1 FROM assistants WHERE id = ? AND workspace_id = w.id),
		EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND workspace_id = w.id),
		EXISTS (SELECT 1 FROM contacts WHERE id = ? AND workspace_id = w.id),
		EXISTS (SELECT 1 FROM webhooks WHERE workspace_id = w.id AND disabled_at IS NULL
			AND CASE WHEN events LIKE ? THEN events::jsonb @> jsonb_build_array(?::text) ELSE false END)
		FROM workspaces w WHERE w.id = ?`,
		user, user, in.ExternalID, nullString(in.AssistantID), nullString(in.CampaignID), nullString(in.ContactID),
		`%"`+sb.EventCallCompleted+`"%`, sb.EventCallCompleted, workspaceID).Scan(
		&w.ID, &w.AccountID, &w.ParentID, &w.Type, &w.Name, &w.Description, &w.MinuteBudget, &w.SecondsUsed, &w.CreatedAt, &w.DeletedAt,
		&p.role, &p.parent, &p.prior, &p.refs[0], &p.refs[1], &p.refs[2], &p.completedWants)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Workspace")
	}
	if err != nil {
		return nil, err
	}
	p.w = &w
	return &p, nil
}

// authorize is access(…, ActionAdminister) on what callPrelude read (roleIn,
// accessAny and access, without their reads).
func (p *callPrelude) authorize(t *tx, actor sb.Actor) error {
	w := p.w
	role := sb.RoleNone
	switch {
	case actor.IsAPIKey():
		if actor.APIKeyWorkspaceID == w.ID {
			role = actor.APIKeyRole
		}
	case actor.UserID != "":
		if p.role.Valid {
			role = sb.Role(p.role.String)
		}
		if w.ParentID.Valid && p.parent.Valid {
			role = sb.Higher(role, inheritedRole(sb.Role(p.parent.String)))
		}
	}
	if w.DeletedAt.Valid {
		expired := t.now.Sub(toTime(w.DeletedAt.Int64)) > sb.DeletedRetention
		if role != sb.RoleOwner || expired {
			return sb.NotFound("Workspace")
		}
	}
	if err := sb.Authorize(role, sb.ActionAdminister); err != nil {
		return err
	}
	if w.DeletedAt.Valid {
		return sb.NotFound("Workspace")
	}
	return nil
}

// refsErr is checkCallRefs on what callPrelude read.
func (p *callPrelude) refsErr(in *sb.ReportCallInput) error {
	var v sb.Validation
	for i, ref := range []struct {
		loc, what string
		id        *string
	}{
		{"body.assistant_id", "assistant", in.AssistantID},
		{"body.campaign_id", "campaign", in.CampaignID},
		{"body.contact_id", "contact", in.ContactID},
	} {
		if ref.id != nil && !p.refs[i] {
			v.Add(ref.loc, "There is no %s with this id in this workspace.", ref.what)
		}
	}
	return v.Err()
}
