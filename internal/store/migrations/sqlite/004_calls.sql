-- Calls reported by the voice engine, their conversations, and the analytics
-- aggregates kept up to date in the same transaction as each call's debit.
CREATE TABLE calls (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    external_id      TEXT NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    from_number      TEXT NOT NULL,
    to_number        TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    ended_at         BIGINT NOT NULL,
    duration_seconds BIGINT NOT NULL CHECK (duration_seconds >= 0),
    outcome          TEXT NOT NULL,
    assistant_id     TEXT,
    campaign_id      TEXT,
    contact_id       TEXT,
    created_at       BIGINT NOT NULL
);
-- A replayed report of the same engine call is detected by this index.
CREATE UNIQUE INDEX calls_workspace_external ON calls(workspace_id, external_id);
-- Call history, newest first, by keyset on (started_at, id).
CREATE INDEX calls_workspace_started ON calls(workspace_id, started_at, id);
CREATE INDEX calls_workspace_assistant ON calls(workspace_id, assistant_id, started_at, id);
CREATE INDEX calls_workspace_campaign ON calls(workspace_id, campaign_id, started_at, id);

CREATE TABLE call_conversations (
    call_id       TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
    transcript    TEXT NOT NULL,
    recording_url TEXT
);

-- Per workspace, per UTC day (Unix microseconds of its start), per outcome.
CREATE TABLE call_stats_daily (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    day          BIGINT NOT NULL,
    outcome      TEXT NOT NULL,
    calls        BIGINT NOT NULL,
    seconds      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day, outcome)
);

-- Per workspace, per UTC day, per assistant (calls with an assistant only).
CREATE TABLE call_stats_assistant_daily (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    day          BIGINT NOT NULL,
    assistant_id TEXT NOT NULL,
    calls        BIGINT NOT NULL,
    seconds      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day, assistant_id)
);

-- The account's unallocated minutes sum the budgeted workspaces only: this index
-- keeps that sum cheap on accounts with many unbudgeted workspaces.
CREATE INDEX workspaces_account_budgeted ON workspaces(account_id) WHERE minute_budget IS NOT NULL AND deleted_at IS NULL;
