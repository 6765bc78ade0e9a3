-- Workspace resources: assistants, workflows and their deployed versions, contacts
-- with tags, campaigns. Every row carries its workspace_id; every query filters on it.
CREATE TABLE assistants (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
    name          TEXT NOT NULL,
    first_message TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    voice         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX assistants_workspace ON assistants(workspace_id, id);

CREATE TABLE workflows (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX workflows_workspace ON workflows(workspace_id, id);

CREATE TABLE workflow_versions (
    workflow_id  TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    version      BIGINT NOT NULL,
    definition   TEXT NOT NULL,
    deployed_by  TEXT NOT NULL,
    deployed_at  BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_workspace_phone ON contacts(workspace_id, phone);
CREATE INDEX contacts_workspace ON contacts(workspace_id, id);

CREATE TABLE contact_tags (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    contact_id   TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_workspace_tag ON contact_tags(workspace_id, tag, contact_id);

CREATE TABLE campaigns (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces(id),
    name                 TEXT NOT NULL,
    assistant_id         TEXT REFERENCES assistants(id),
    contact_tag          TEXT NOT NULL DEFAULT '',
    max_concurrent_calls BIGINT NOT NULL DEFAULT 1,
    schedule             TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed', 'stopped')),
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX campaigns_workspace ON campaigns(workspace_id, id);
