-- Invitations, their mail outbox, SMTP settings and white-label branding.
CREATE TABLE smtp_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    host         TEXT NOT NULL,
    port         INTEGER NOT NULL,
    username     TEXT NOT NULL DEFAULT '',
    password_enc TEXT NOT NULL DEFAULT '',
    from_email   TEXT NOT NULL,
    from_name    TEXT NOT NULL DEFAULT '',
    security     TEXT NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    updated_at   BIGINT NOT NULL
);

CREATE TABLE white_labels (
    workspace_id  TEXT PRIMARY KEY REFERENCES workspaces(id),
    brand_name    TEXT NOT NULL DEFAULT '',
    logo_url      TEXT NOT NULL DEFAULT '',
    primary_color TEXT NOT NULL DEFAULT '',
    custom_domain TEXT NOT NULL DEFAULT '',
    support_email TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member', 'viewer')),
    token_hash      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'expired', 'accepted', 'revoked')),
    invited_by      TEXT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    accepted_by     TEXT REFERENCES users(id),
    accepted_at     BIGINT,
    revoked_at      BIGINT,
    delivery_status TEXT NOT NULL DEFAULT 'queued',
    delivery_error  TEXT NOT NULL DEFAULT ''
);
-- At most one pending invitation per email and workspace.
CREATE UNIQUE INDEX invitations_one_pending ON invitations(workspace_id, email_key) WHERE status = 'pending';
CREATE INDEX invitations_workspace ON invitations(workspace_id, id);
CREATE INDEX invitations_account ON invitations(account_id, status);

-- Mail to send after commit; any replica's worker claims due rows with a lease.
-- payload is sealed (AES-GCM) because it holds the invitation link.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id),
    invitation_id   TEXT REFERENCES invitations(id),
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    lease           TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
CREATE INDEX mail_outbox_invitation ON mail_outbox(invitation_id);

-- Links replaced by a resend: they answer 410, not 404.
CREATE TABLE invitation_old_tokens (
    token_hash    TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
    replaced_at   BIGINT NOT NULL
);
