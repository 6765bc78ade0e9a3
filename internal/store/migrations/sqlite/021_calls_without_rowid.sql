-- One B-tree fewer per call report on SQLite (issue 15, docs/architecture.md "Call
-- reports on SQLite"): calls was a rowid table with a separate unique index on id;
-- it is now keyed by (workspace_id, id), what every read of one call names, without
-- rowid. call_conversations references it by the same pair. Nothing else
-- references calls. The children are copied first: dropping the old calls would
-- cascade to them.
CREATE TABLE calls_new (
    id               TEXT NOT NULL,
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
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
) WITHOUT ROWID;
INSERT INTO calls_new (id, workspace_id, external_id, direction, from_number, to_number, started_at, ended_at,
        duration_seconds, outcome, assistant_id, campaign_id, contact_id, created_at)
    SELECT id, workspace_id, external_id, direction, from_number, to_number, started_at, ended_at,
        duration_seconds, outcome, assistant_id, campaign_id, contact_id, created_at FROM calls;
CREATE TABLE call_conversations_new (
    call_id       TEXT NOT NULL,
    workspace_id  TEXT NOT NULL,
    transcript    TEXT NOT NULL,
    recording_url TEXT,
    PRIMARY KEY (workspace_id, call_id),
    FOREIGN KEY (workspace_id, call_id) REFERENCES calls_new(workspace_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO call_conversations_new (call_id, workspace_id, transcript, recording_url)
    SELECT call_id, workspace_id, transcript, recording_url FROM call_conversations;
DROP TABLE call_conversations;
DROP TABLE calls;
ALTER TABLE calls_new RENAME TO calls;
ALTER TABLE call_conversations_new RENAME TO call_conversations;
CREATE UNIQUE INDEX calls_workspace_external ON calls(workspace_id, external_id);
CREATE INDEX calls_workspace_started ON calls(workspace_id, started_at, id);
CREATE INDEX calls_workspace_assistant ON calls(workspace_id, assistant_id, started_at, id) WHERE assistant_id IS NOT NULL;
CREATE INDEX calls_workspace_campaign ON calls(workspace_id, campaign_id, started_at, id) WHERE campaign_id IS NOT NULL;
