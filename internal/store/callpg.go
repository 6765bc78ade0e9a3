package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Issue 15 on PostgreSQL: a call report of an account locks the account's balance
// row (and the workspace's, its agency's, its day's stats row), and every report
// of the account waits for those locks, so what counts is how long they are held:
// from the first write of a shared row to the commit. The raw anchor (BEGIN,
// INSERT, UPDATE, COMMIT) holds its one shared lock for a round trip and the
// commit. A call report on PostgreSQL (reportCallPG) takes two round trips and
// holds its locks for no round trip at all:
//
//  1. one read, no lock, no transaction of its own (READ COMMITTED gives a read
//     inside the writing transaction no more than this): the workspace, the
//     actor's roles in it and in its agency, the stored call of this external_id
//     (a replay), the referenced assistant/campaign/contact, whether a webhook
//     wants call.completed;
//  2. one pipeline (a pgx batch, which PostgreSQL runs as one implicit
//     transaction, committed at its Sync) of two statements:
//     - a data-modifying CTE (reportCTE) that inserts the call (ON CONFLICT DO
//     NOTHING: a concurrent report of the same call makes this one a replay),
//     its conversation and its call.completed event, then debits the account,
//     the agency and the workspace in the lock order and upserts the day's
//     stats;
//     - the guard (alertDue): whether a budget threshold or the low pool is due,
//     read as a statement of its own so that it sees every report committed
//     before this one took the locks. A due alert fails it (division by zero,
//     22012), which rolls the whole pipeline back.
//
// Reports of one account that arrive while another's pipeline runs go together
// in the next one: one transaction, one flush for the group (callpggroup.go).
//
// A report whose alert is due (a few per budget and grant) runs again staged
// (reportCallStaged): in a database/sql transaction, the same CTE and the same
// check, then, still under the locks, the alert code of alert.go, which claims
// each alert exactly once; then COMMIT. Reports of a dispatch (dispatch_id,
// report tokens) take the staged path too, inserting the call before the
// attempt's bookkeeping (reportAttempt), as do reports while a test hook is set
// (the hooks pause inside the transaction, which the pipeline has no room for).

// genericPlans makes the pipeline's statements run their generic plans, planned
// once per connection: a custom plan, planned at each execution, would plan the
// guard while the report holds the shared locks. SET LOCAL lasts until the
// pipeline's implicit transaction ends.
const genericPlans = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`

// errAlertDue is the guard's answer: run the report staged.
var errAlertDue = errors.New("store: an alert is due")

// reportCallPG is ReportCall on PostgreSQL.
func (s *Store) reportCallPG(ctx context.Context, actor sb.Actor, workspaceID string, in *sb.ReportCallInput, transcript []byte) (*sb.Call, bool, error) {
	staged := actor.ReportDispatchID != "" || in.DispatchID != nil || s.hook != nil
	for attempt := 0; ; attempt++ {
		if staged {
			var out *sb.Call
			created := false
			err := s.withConn(ctx, func(conn *sql.Conn) error {
				return s.run(ctx, conn, false, func(t *tx) error {
					var err error
					out, created, err = t.reportCallStaged(ctx, conn, actor, workspaceID, in, transcript)
					return err
				})
			})
			return out, created, err
		}
		out, created, err := s.reportCallPipelined(ctx, actor, workspaceID, in, transcript)
		if errors.Is(err, errAlertDue) {
			staged = true
			continue
		}
		if isRetryable(err) && attempt < maxAttempts {
			s.retries.Add(1)
			if err := sleepJitter(ctx, attempt+1); err != nil {
				return nil, false, err
			}
			continue
		}
		return out, created, err
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

// reportCallPipelined is the report in one read and one pipeline (see above).
func (s *Store) reportCallPipelined(ctx context.Context, actor sb.Actor, workspaceID string, in *sb.ReportCallInput, transcript []byte) (*sb.Call, bool, error) {
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	p, err := s.callPrelude(ctx, s.write, actor, workspaceID, in)
	if err != nil {
		return nil, false, err
	}
	if err := p.authorize(now, actor); err != nil {
		return nil, false, err
	}
	if p.prior.Valid {
		prior, err := scanCall(s.write.QueryRowContext(ctx, s.rebind(`SELECT `+callColumns+` FROM calls WHERE id = ?`), p.prior.String))
		return prior, false, err
	}
	if err := p.refsErr(in); err != nil {
		return nil, false, err
	}
	c := newReportedCall(p.w, in, now)
	q, args, err := s.reportCTE(p, c, in, transcript, now, true)
	if err != nil {
		return nil, false, err
	}
	job := &pgReportJob{q: q, args: args, w: p.w, seconds: c.DurationSeconds, wake: make(chan bool, 1)}
	s.runGrouped(ctx, job)
	switch {
	case errors.Is(job.err, errGroupFailed):
		// The group's transaction failed as a whole: this report runs alone, so
		// that it gets its own answer.
		s.runAlone(ctx, job)
		if job.err != nil {
			return nil, false, job.err
		}
	case job.err != nil:
		return nil, false, job.err
	}
	if job.inserted == 0 {
		return nil, false, errReplayRace // a concurrent report of this call committed first
	}
	return c, true, nil
}

// runAlone runs one report's pipeline: its CTE, then its guard.
func (s *Store) runAlone(ctx context.Context, job *pgReportJob) {
	job.err = s.pipeline(ctx, func(pc *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue(genericPlans)
		b.Queue(job.q, job.args...)
		if job.seconds > 0 {
			gq, gargs := s.alertDue([]*wsRow{job.w}, false, true)
			b.Queue(gq, gargs...)
		}
		br := pc.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			return errors.Join(err, br.Close())
		}
		err := job.scan(br.QueryRow())
		if err == nil && job.seconds > 0 {
			var one int64
			if err = br.QueryRow().Scan(&one); isDivisionByZero(err) {
				err = errAlertDue
			}
		}
		return errors.Join(err, br.Close())
	})
	if errors.Is(job.err, errAlertDue) {
		job.err = errAlertDue
	}
}

// withConn runs fn on a connection of the writer's pool of its own.
func (s *Store) withConn(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn)
}

// pipeline runs fn on the pgx connection under a connection of the writer's pool.
// A report holds a connection only for its prelude and its pipeline, not while
// it waits for its group (callpggroup.go).
func (s *Store) pipeline(ctx context.Context, fn func(*pgx.Conn) error) error {
	return s.withConn(ctx, func(conn *sql.Conn) error {
		return conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
	})
}

// reportCallStaged is the report in a database/sql transaction, for the reports
// the pipeline does not take (see above).
func (t *tx) reportCallStaged(ctx context.Context, conn *sql.Conn, actor sb.Actor, workspaceID string, in *sb.ReportCallInput, transcript []byte) (*sb.Call, bool, error) {
	if actor.ReportDispatchID != "" {
		// A report token: its own gate (a few reads, no lock).
		if _, err := t.callAccess(ctx, actor, workspaceID, in); err != nil {
			return nil, false, err
		}
	}
	p, err := t.s.callPrelude(ctx, t.tx, actor, workspaceID, in)
	if err != nil {
		return nil, false, err
	}
	w := p.w
	if actor.ReportDispatchID == "" {
		if err := p.authorize(t.now, actor); err != nil {
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
	c := newReportedCall(w, in, t.now)
	insertInCTE := in.DispatchID == nil
	if !insertInCTE {
		// The attempt's bookkeeping refers to the call: insert it first.
		_, err := t.exec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES (`+placeholders(14)+`)`, callArgs(c)...)
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
	q, args, err := t.s.reportCTE(p, c, in, transcript, t.now, insertInCTE)
	if err != nil {
		return nil, false, err
	}
	var inserted int64
	var usage debitUsage
	var selfUsed, agencyUsed sql.NullInt64
	var selfName, agencyName sql.NullString
	due := false
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		b.Queue(q, args...)
		if c.DurationSeconds > 0 {
			gq, gargs := t.s.alertDue([]*wsRow{w}, false, false)
			b.Queue(gq, gargs...)
		}
		br := pc.SendBatch(ctx, b)
		err := debitErr(br.QueryRow().Scan(&inserted, &usage.self.budget, &selfUsed, &selfName, &usage.agency.budget, &agencyUsed, &agencyName))
		if err == nil && c.DurationSeconds > 0 {
			err = br.QueryRow().Scan(&due)
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
	if c.DurationSeconds <= 0 || !due {
		return c, true, nil
	}
	usage.self.used, usage.self.name, usage.self.ok = selfUsed.Int64, selfName.String, true
	if w.ParentID.Valid {
		usage.agency.used, usage.agency.name, usage.agency.ok = agencyUsed.Int64, agencyName.String, true
	}
	// A threshold or the low pool to announce: alert.go, as on SQLite.
	if err := t.afterCallReportedUsage(ctx, actor, w, c, usage); err != nil {
		return nil, false, err
	}
	return c, true, nil
}

func newReportedCall(w *wsRow, in *sb.ReportCallInput, now time.Time) *sb.Call {
	return &sb.Call{
		ID: secret.NewID("cal", now), WorkspaceID: w.ID, ExternalID: in.ExternalID, Direction: in.Direction,
		From: in.From, To: in.To, StartedAt: in.Started.Truncate(time.Microsecond), EndedAt: in.Ended.Truncate(time.Microsecond),
		DurationSeconds: in.Duration, Outcome: in.Outcome,
		AssistantID: in.AssistantID, CampaignID: in.CampaignID, ContactID: in.ContactID, CreatedAt: now,
	}
}

func callArgs(c *sb.Call) []any {
	return []any{c.ID, c.WorkspaceID, c.ExternalID, c.Direction, c.From, c.To, c.StartedAt.UnixMicro(), c.EndedAt.UnixMicro(),
		c.DurationSeconds, c.Outcome, nullString(c.AssistantID), nullString(c.CampaignID), nullString(c.ContactID), c.CreatedAt.UnixMicro()}
}

// isDivisionByZero reports whether err is PostgreSQL's 22012, the guards' signal.
func isDivisionByZero(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "22012"
}

// debitErr turns the CTE's guard (the call inserted, the workspace not debited:
// the account or the agency is not the workspace's any more) into an error.
func debitErr(err error) error {
	if isDivisionByZero(err) {
		return errors.New("store: debit changed no row")
	}
	return err
}

// reportCTE is the one statement that writes a report (see the top of the file),
// in PostgreSQL's placeholders. It returns one row: whether the call was inserted
// (0: a concurrent report of it committed first, and nothing was written), then
// the workspace's and the agency's budget, seconds used and name after the debit.
func (s *Store) reportCTE(p *callPrelude, c *sb.Call, in *sb.ReportCallInput, transcript []byte, now time.Time, insertCall bool) (string, []any, error) {
	w := p.w
	var q strings.Builder
	var args []any
	add := func(s string, a ...any) {
		q.WriteString(s)
		args = append(args, a...)
	}
	if insertCall {
		add(`WITH ins AS (INSERT INTO calls (`+callColumns+`) VALUES (`+placeholders(14)+`)
			ON CONFLICT (workspace_id, external_id) DO NOTHING RETURNING 1 AS one)`, callArgs(c)...)
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
			return "", nil, err
		}
		add(`, ev AS (INSERT INTO events (id, workspace_id, account_id, type, data, created_at, dispatched)
			SELECT ?::text, ?::text, ?::text, ?::text, ?::text, ?::bigint, 0 FROM ins)`,
			secret.NewID("evt", now), w.ID, w.AccountID, sb.EventCallCompleted, string(raw), now.UnixMicro())
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
		// 1/0 when the call was inserted but the workspace not debited (debitErr).
		add(` SELECT (SELECT count(*) FROM ins) / CASE WHEN (SELECT count(*) FROM ins) = (SELECT count(*) FROM w) THEN 1 ELSE 0 END,
			w.minute_budget, w.seconds_used, w.name, g.minute_budget, g.seconds_used, g.name
			FROM (SELECT 1) one LEFT JOIN w ON true LEFT JOIN g ON true`)
	default:
		add(` SELECT (SELECT count(*) FROM ins) / CASE WHEN (SELECT count(*) FROM ins) = (SELECT count(*) FROM w) THEN 1 ELSE 0 END,
			w.minute_budget, w.seconds_used, w.name, NULL::bigint, NULL::bigint, NULL::text
			FROM (SELECT 1) one LEFT JOIN w ON true`)
	}
	return s.rebind(q.String()), args, nil
}

// alertDue is the statement that tells whether afterCallReportedUsage would
// announce anything after this report's debit: a budget threshold of the
// workspace or its agency reached above the level announced
// (checkThresholdsKnown), or, when the call draws on the account, the low pool
// not yet announced for the last grant (checkPoolLow). It reads the workspaces
// again rather than taking the CTE's figures: the report holds their locks, so
// they are the same, and a statement of its own sees every report committed
// before the locks were granted. With fail it divides by zero when an alert is
// due (the pipeline's guard); without, it answers a boolean.
func (s *Store) alertDue(ws []*wsRow, group, fail bool) (string, []any) {
	cond := alertDueOne
	if group {
		cond = alertDueGroup
	}
	q := `SELECT 1 / CASE WHEN ` + cond + ` THEN 0 ELSE 1 END`
	if !fail {
		q = `SELECT ` + cond
	}
	var ids, own, agencies []string
	for _, w := range ws {
		ids = append(ids, w.ID)
		own = append(own, w.ID)
		agencies = append(agencies, w.ParentID.String)
		if w.ParentID.Valid {
			ids = append(ids, w.ParentID.String)
		}
	}
	acct := ws[0].AccountID
	if group {
		return s.rebind(q), []any{ids, own, agencies, acct, acct, acct, acct}
	}
	return s.rebind(q), []any{ids, ids, acct, acct, acct, acct}
}

// alertDueOne is alertDue's condition for one report; its placeholders are the
// workspace and its agency (an array), twice, then the account, four times. The
// call draws on the account when the workspace and its agency both do.
//
// alertDueGroup is the condition for a group of reports of one account
// (runPGGroup), after all of them: the workspaces and agencies of all of them (an
// array), then the workspaces and their agencies (empty for none) as two arrays of
// the same length, then the account, four times. As usage only grows within the
// group and no alert is claimed in it, what was due after any one of its reports
// is due after all of them: the group's usage has reached the threshold the one
// reached, a workspace that drew still draws, and the unallocated seconds are at
// most what they were.
var alertDueOne, alertDueGroup = alertDueExpr(`NOT EXISTS (SELECT 1 FROM workspaces ws WHERE ws.id = ANY(?::text[]) AND ws.minute_budget IS NOT NULL AND ws.seconds_used <= ws.minute_budget * 60)`),
	alertDueExpr(`EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[]) AS r(ws, agency) WHERE NOT EXISTS (SELECT 1 FROM workspaces ws
		WHERE ws.id IN (r.ws, NULLIF(r.agency, '')) AND ws.minute_budget IS NOT NULL AND ws.seconds_used <= ws.minute_budget * 60))`)

func alertDueExpr(draws string) string {
	var reached []string
	for _, th := range sb.BudgetThresholds {
		n := strconv.FormatInt(th, 10)
		reached = append(reached, `(ws.seconds_used * 100 >= `+n+` * ws.minute_budget * 60 AND COALESCE(l.level, 0) < `+n+`)`)
	}
	return `(EXISTS (SELECT 1 FROM workspaces ws LEFT JOIN budget_alert_levels l ON l.workspace_id = ws.id
			WHERE ws.id = ANY(?::text[]) AND ws.minute_budget > 0 AND (` + strings.Join(reached, ` OR `) + `))
		OR (` + draws + `
			AND EXISTS (SELECT 1 FROM (SELECT g.id, g.seconds FROM minute_grants g WHERE g.account_id = ? ORDER BY g.created_at DESC, g.id DESC LIMIT 1) g
				WHERE g.seconds > 0 AND g.id IS DISTINCT FROM (SELECT grant_id FROM pool_low_alerts WHERE account_id = ?)
				AND ((SELECT balance_seconds FROM accounts WHERE id = ?) - COALESCE((
					SELECT SUM(CASE WHEN w.minute_budget * 60 > w.seconds_used THEN w.minute_budget * 60 - w.seconds_used ELSE 0 END)
					FROM workspaces w LEFT JOIN workspaces pw ON pw.id = w.parent_id AND pw.deleted_at IS NULL
					WHERE w.account_id = ? AND w.minute_budget IS NOT NULL AND w.deleted_at IS NULL
					AND (pw.id IS NULL OR pw.minute_budget IS NULL)), 0)) * 10 < g.seconds)))`
}

// callPrelude reads, in one statement and without a lock, what a report checks
// before it writes.
func (s *Store) callPrelude(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, actor sb.Actor, workspaceID string, in *sb.ReportCallInput) (*callPrelude, error) {
	user := ""
	if !actor.IsAPIKey() {
		user = actor.UserID
	}
	var p callPrelude
	var w wsRow
	// Only the tables a report needs are named: each one named is locked (and,
	// past sixteen, through the shared lock table).
	var q strings.Builder
	var args []any
	add := func(s string, a ...any) {
		q.WriteString(s)
		args = append(args, a...)
	}
	add(`SELECT w.id, w.account_id, w.parent_id, w.type, w.name, w.description, w.minute_budget, w.seconds_used, w.created_at, w.deleted_at`)
	if user != "" {
		add(`, (SELECT role FROM memberships WHERE workspace_id = w.id AND user_id = ?),
			(SELECT role FROM memberships WHERE workspace_id = w.parent_id AND user_id = ?)`, user, user)
	} else {
		add(`, NULL::text, NULL::text`)
	}
	add(`, (SELECT id FROM calls WHERE workspace_id = w.id AND external_id = ?)`, in.ExternalID)
	for _, ref := range []struct {
		table string
		id    *string
	}{{"assistants", in.AssistantID}, {"campaigns", in.CampaignID}, {"contacts", in.ContactID}} {
		if ref.id == nil {
			add(`, false`)
		} else {
			add(`, EXISTS (SELECT 1 FROM `+ref.table+` WHERE id = ? AND workspace_id = w.id)`, *ref.id)
		}
	}
	add(`, EXISTS (SELECT 1 FROM webhooks WHERE workspace_id = w.id AND disabled_at IS NULL
			AND CASE WHEN events LIKE ? THEN events::jsonb @> jsonb_build_array(?::text) ELSE false END)
		FROM workspaces w WHERE w.id = ?`, `%"`+sb.EventCallCompleted+`"%`, sb.EventCallCompleted, workspaceID)
	err := db.QueryRowContext(ctx, s.rebind(q.String()), args...).Scan(
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
func (p *callPrelude) authorize(now time.Time, actor sb.Actor) error {
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
		expired := now.Sub(toTime(w.DeletedAt.Int64)) > sb.DeletedRetention
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
