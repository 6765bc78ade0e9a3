-- Fewer B-tree pages written per call report on SQLite (issue 15, docs/benchmarks.md
-- "Issue 15 — SQLite call reports"). At one reporter a report's cost is mostly the
-- WAL frames of the pages it dirties, one per B-tree it touches:
--   calls_workspace_assistant and calls_workspace_campaign keep only the calls that
--   name an assistant (a campaign): the history filtered by one (assistant_id = ?,
--   campaign_id = ?) is all they serve, and a call naming neither no longer writes
--   two index pages;
--   call_stats_daily is rebuilt WITHOUT ROWID, keyed by its primary key, one B-tree
--   instead of two (rowid table and key index). Nothing references it.
DROP INDEX calls_workspace_assistant;
CREATE INDEX calls_workspace_assistant ON calls(workspace_id, assistant_id, started_at, id) WHERE assistant_id IS NOT NULL;
DROP INDEX calls_workspace_campaign;
CREATE INDEX calls_workspace_campaign ON calls(workspace_id, campaign_id, started_at, id) WHERE campaign_id IS NOT NULL;

CREATE TABLE call_stats_daily_new (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    day          BIGINT NOT NULL,
    outcome      TEXT NOT NULL,
    calls        BIGINT NOT NULL,
    seconds      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day, outcome)
) WITHOUT ROWID;
INSERT INTO call_stats_daily_new (workspace_id, day, outcome, calls, seconds)
    SELECT workspace_id, day, outcome, calls, seconds FROM call_stats_daily;
DROP TABLE call_stats_daily;
ALTER TABLE call_stats_daily_new RENAME TO call_stats_daily;
