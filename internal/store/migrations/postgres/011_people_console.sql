-- Accounts of people (api.md, "Added in the second round"): sessions get a public id
-- and what the person sees of them; password resets; the system mail outbox.
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
UPDATE sessions SET id = 'ses_' || substr(token_hash, 1, 24), last_used_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions(id);

-- A password-reset link: the token is stored hashed, works for an hour, once.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets(user_id);

-- Requests counted for rate limits that every replica shares (bucket: "reset:email:…").
CREATE TABLE rate_events (
    bucket TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events(bucket, at);

-- System mail (password resets, budget alerts): sent through the operator's SMTP
-- server (serve --smtp-url), a sibling of mail_outbox, which is per workspace.
CREATE TABLE system_mail (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    lease           TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX system_mail_due ON system_mail(status, next_attempt_at);
