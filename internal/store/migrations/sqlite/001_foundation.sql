-- Users, sessions, accounts, workspaces, memberships, API keys and the audit log.
-- Times are Unix microseconds (UTC) in BIGINT columns on both dialects.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users(id),
    plan            TEXT NOT NULL,
    balance_seconds BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX accounts_owner ON accounts(owner_id);

CREATE TABLE minute_grants (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    seconds    BIGINT NOT NULL,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX minute_grants_account ON minute_grants(account_id);

CREATE TABLE workspaces (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    parent_id     TEXT REFERENCES workspaces(id),
    type          TEXT NOT NULL CHECK (type IN ('simple', 'agency')),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    minute_budget BIGINT CHECK (minute_budget IS NULL OR minute_budget >= 0),
    seconds_used  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX workspaces_account ON workspaces(account_id);
CREATE INDEX workspaces_parent ON workspaces(parent_id);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'member', 'viewer')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
-- Exactly one owner per workspace: at most one by this index, at least one because
-- the owner's row is only ever changed by a transfer that promotes in the same
-- transaction.
CREATE UNIQUE INDEX memberships_one_owner ON memberships(workspace_id) WHERE role = 'owner';
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member', 'viewer')),
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_workspace ON api_keys(workspace_id, id);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT,
    account_id   TEXT,
    at           BIGINT NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_email  TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    details      TEXT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log(workspace_id, id);
