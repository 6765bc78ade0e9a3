-- CSV imports of contacts. The upload is kept in the database in chunks, so that any
-- replica can process it; a worker claims an import with a lease and records, in the
-- same transaction as each batch of rows, the byte offset it reached.
CREATE TABLE contact_imports (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    status           TEXT NOT NULL CHECK (status IN ('uploading', 'queued', 'running', 'completed', 'failed')),
    error            TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '[]',
    default_region   TEXT NOT NULL DEFAULT '',
    mapping          TEXT NOT NULL DEFAULT '{}',
    header           TEXT NOT NULL DEFAULT '[]',
    size_bytes       BIGINT NOT NULL DEFAULT 0,
    chunk_size       BIGINT NOT NULL,
    read_offset      BIGINT NOT NULL DEFAULT 0,
    rows_read        BIGINT NOT NULL DEFAULT 0,
    rows_total       BIGINT NOT NULL DEFAULT 0,
    rows_imported    BIGINT NOT NULL DEFAULT 0,
    rows_rejected    BIGINT NOT NULL DEFAULT 0,
    created_by_type  TEXT NOT NULL,
    created_by_id    TEXT NOT NULL,
    created_by_email TEXT NOT NULL DEFAULT '',
    lease_owner      TEXT,
    locked_until     BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    completed_at     BIGINT
);
CREATE INDEX contact_imports_workspace ON contact_imports(workspace_id, id);
CREATE INDEX contact_imports_ready ON contact_imports(status, locked_until);

CREATE TABLE contact_import_chunks (
    import_id TEXT NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    data      BYTEA NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE contact_import_rejects (
    import_id TEXT NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
    line      BIGINT NOT NULL,
    reason    TEXT NOT NULL,
    cells     TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
