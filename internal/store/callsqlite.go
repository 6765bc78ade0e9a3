package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The call report on SQLite (issue 15; docs/architecture.md, "Call reports on
// SQLite"). It records the same rows as ReportCall's PostgreSQL path, with two
// differences:
//
//   - it runs through groupUpdate, so that concurrent reports share one commit
//     (groupcommit.go);
//   - a report naming no assistant, campaign or contact inserts first (INSERT … ON
//     CONFLICT DO NOTHING) and reads the stored call only when the insert found
//     one: a new call costs one statement less. A report naming some checks them
//     after the replay read, as before, so that a replay is answered even if what
//     it names has gone since.
//
// emit, on SQLite's writer, also skips the read of the webhooks of a workspace
// known to have none (noWebhooks below).

func (s *Store) reportCallSQLite(ctx context.Context, actor sb.Actor, workspaceID string, in *sb.ReportCallInput, transcript []byte) (*sb.Call, bool, error) {
	refs := in.AssistantID != nil || in.CampaignID != nil || in.ContactID != nil
	// The queue honours ctx (groupUpdate); the statements do not watch it. A
	// statement given a context that can end costs the driver a goroutine (and
	// database/sql another for each query's rows) to interrupt it, a large part of
	// a short statement's cost; and an interrupted statement could roll back the
	// whole batch's transaction.
	caller := ctx
	ctx = context.WithoutCancel(ctx)
	var out *sb.Call
	created := false
	err := s.groupUpdate(caller, func(t *tx) error {
		w, err := t.callAccess(ctx, actor, workspaceID, in)
		if err != nil {
			return err
		}
		stored := func() error {
			prior, err := scanCall(t.hotQueryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE workspace_id = ? AND external_id = ?`, w.ID, in.ExternalID))
			if err == nil {
				out = prior
			}
			return err
		}
		if refs {
			if err := stored(); !errors.Is(err, sql.ErrNoRows) {
				return err // nil: a replay, answered
			}
			if err := t.checkCallRefs(ctx, w.ID, in); err != nil {
				return err
			}
		}
		t.at("call.before_insert")
		c := &sb.Call{
			ID: secret.NewID("cal", t.now), WorkspaceID: w.ID, ExternalID: in.ExternalID, Direction: in.Direction,
			From: in.From, To: in.To, StartedAt: in.Started.Truncate(time.Microsecond), EndedAt: in.Ended.Truncate(time.Microsecond),
			DurationSeconds: in.Duration, Outcome: in.Outcome,
			AssistantID: in.AssistantID, CampaignID: in.CampaignID, ContactID: in.ContactID, CreatedAt: t.now,
		}
		res, err := t.hotExec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES (`+placeholders(14)+`)
			ON CONFLICT (workspace_id, external_id) DO NOTHING`,
			c.ID, c.WorkspaceID, c.ExternalID, c.Direction, c.From, c.To, c.StartedAt.UnixMicro(), c.EndedAt.UnixMicro(),
			c.DurationSeconds, c.Outcome, nullString(c.AssistantID), nullString(c.CampaignID), nullString(c.ContactID), t.now.UnixMicro())
		if isUniqueViolation(err) {
			return errReplayRace
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return stored() // a replay: the call is there
		}
		t.at("call.inserted")
		if transcript != nil {
			if _, err := t.exec(ctx, `INSERT INTO call_conversations (call_id, workspace_id, transcript, recording_url) VALUES (?, ?, ?, ?)`,
				c.ID, w.ID, string(transcript), nullString(in.RecordingURL)); err != nil {
				return err
			}
		}
		if err := t.reportAttempt(ctx, c, in); err != nil {
			return err
		}
		if err := t.beforeCallDebit(ctx, w, c); err != nil {
			return err
		}
		if err := t.countCall(ctx, c); err != nil {
			return err
		}
		usage, err := t.debitCallUsage(ctx, w, c.DurationSeconds)
		if err != nil {
			return err
		}
		if err := t.afterCallReportedUsage(ctx, actor, w, c, usage); err != nil {
			return err
		}
		out, created = c, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// noWebhooks reports whether the workspace is known to have no webhook, on
// SQLite's writer. The cache is filled by emit's read there and emptied for a
// workspace by every change to its webhooks (forgetWebhooks), inside the change's
// transaction. Both run on the writer's one connection, one transaction after
// another, and SQLite has one process per database file: a report can never read
// a stale "none". PostgreSQL (several replicas) always reads.
func (t *tx) noWebhooks(workspaceID string) bool {
	if !t.cachesWebhooks() {
		return false
	}
	_, ok := t.s.hookless.Load(workspaceID)
	return ok
}

// sawNoWebhooks records that the workspace has no enabled webhook.
func (t *tx) sawNoWebhooks(workspaceID string) {
	if t.cachesWebhooks() {
		t.s.hookless.Store(workspaceID, struct{}{})
	}
}

// forgetWebhooks empties the cache for a workspace whose webhooks change.
func (t *tx) forgetWebhooks(workspaceID string) { t.s.hookless.Delete(workspaceID) }

func (t *tx) cachesWebhooks() bool { return t.s.dialect == sqlite && t.write && t.tx != nil }
