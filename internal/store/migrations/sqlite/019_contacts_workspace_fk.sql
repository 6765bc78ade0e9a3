-- contacts no longer references workspaces (issue 15, docs/architecture.md "CSV
-- import"): SQLite probes workspaces for every inserted contact. Workspaces are
-- never deleted, and the store writes a contact only in a workspace it has just
-- read in the same transaction (the permission check); what the database still
-- holds is what matters to a user: one contact per phone per workspace. SQLite
-- cannot drop a constraint, so the table is rebuilt as it was, without it.
CREATE TABLE contacts_new (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    do_not_call  BIGINT NOT NULL DEFAULT 0,
    import_id    TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (workspace_id, id)
) WITHOUT ROWID;
INSERT INTO contacts_new (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call, import_id, tags)
    SELECT id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call, import_id, tags FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_workspace_phone ON contacts(workspace_id, phone);
