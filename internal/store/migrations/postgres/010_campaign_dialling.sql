-- Campaigns that call (campaigns.md): the voice engine of a workspace, the new
-- campaign settings, contacts' do-not-call flag, and one row per dispatch attempt.
CREATE TABLE voice_engines (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    url          TEXT NOT NULL,
    secret_enc   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);

ALTER TABLE campaigns ADD COLUMN daily_cap BIGINT;
ALTER TABLE campaigns ADD COLUMN retry TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN paused_reason TEXT;
CREATE INDEX campaigns_status ON campaigns(status, id);

ALTER TABLE contacts ADD COLUMN do_not_call BIGINT NOT NULL DEFAULT 0;

-- One row per attempt (its id is the dispatch id, dsp_<campaign>_<contact>_<n>, so a
-- campaign's attempts are one range of the primary key: the attempts list reads it).
-- No foreign keys: a start writes up to millions of rows in one statement, and a
-- per-row check of campaigns and contacts would cost more than the insert itself;
-- deleting a campaign deletes its attempts, and a deleted contact's attempt is
-- cancelled when its turn comes. bucket is the progress state of
-- the contact while the row is its current attempt (superseded = 0).
CREATE TABLE campaign_attempts (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL,
    campaign_id          TEXT NOT NULL,
    contact_id           TEXT NOT NULL,
    attempt              BIGINT NOT NULL,
    status               TEXT NOT NULL,
    bucket               TEXT NOT NULL,
    superseded           BIGINT NOT NULL DEFAULT 0,
    due_at               BIGINT NOT NULL,
    dispatched_at        BIGINT,
    deadline_at          BIGINT,
    sent_at              BIGINT,
    send_attempts        BIGINT NOT NULL DEFAULT 0,
    next_send_at         BIGINT,
    locked_until         BIGINT,
    body_enc             TEXT,
    report_token_hash    TEXT,
    call_id              TEXT,
    outcome              TEXT,
    reason               TEXT,
    finished_at          BIGINT,
    created_at           BIGINT NOT NULL
);
-- The queue: no id in the key, so that the snapshot's million equal keys (one campaign,
-- pending, one due time) stay small (PostgreSQL deduplicates them into posting lists).
CREATE INDEX campaign_attempts_queue ON campaign_attempts(campaign_id, status, due_at);
CREATE INDEX campaign_attempts_day ON campaign_attempts(campaign_id, dispatched_at) WHERE dispatched_at IS NOT NULL;
CREATE INDEX campaign_attempts_flight ON campaign_attempts(deadline_at) WHERE status = 'in_flight';
CREATE INDEX campaign_attempts_send ON campaign_attempts(next_send_at) WHERE next_send_at IS NOT NULL;
CREATE UNIQUE INDEX campaign_attempts_token ON campaign_attempts(report_token_hash) WHERE report_token_hash IS NOT NULL;
