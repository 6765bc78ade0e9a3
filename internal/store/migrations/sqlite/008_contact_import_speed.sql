-- Fewer B-tree writes per imported contact (see docs/benchmarks.md, "CSV import").
--
-- contacts and contact_tags are rebuilt WITHOUT ROWID, each keyed by what every
-- query names (workspace_id first: every statement filters on it):
--   contacts:     table keyed (workspace_id, id), which is also the keyset pagination
--                 order, plus the unique (workspace_id, phone) index: two B-trees per
--                 contact instead of four (rowid table, id index, both indexes);
--   contact_tags: table keyed (workspace_id, contact_id, tag) plus (workspace_id, tag,
--                 contact_id): two B-trees per tag instead of three, and one foreign
--                 key check, on (workspace_id, contact_id), instead of two; a tag can
--                 no longer name a contact of another workspace.
-- Nothing else references these tables. Dropping contacts would cascade to
-- contact_tags, so the tags are set aside first and copied back last.
CREATE TABLE contact_tags_keep AS SELECT workspace_id, contact_id, tag FROM contact_tags;
DROP TABLE contact_tags;

CREATE TABLE contacts_new (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
) WITHOUT ROWID;
INSERT INTO contacts_new (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at)
    SELECT id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_workspace_phone ON contacts(workspace_id, phone);

CREATE TABLE contact_tags (
    workspace_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    tag          TEXT NOT NULL,
    PRIMARY KEY (workspace_id, contact_id, tag),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts(workspace_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO contact_tags (workspace_id, contact_id, tag)
    SELECT k.workspace_id, k.contact_id, k.tag FROM contact_tags_keep k
    JOIN contacts c ON c.workspace_id = k.workspace_id AND c.id = k.contact_id;
DROP TABLE contact_tags_keep;
CREATE INDEX contact_tags_workspace_tag ON contact_tags(workspace_id, tag, contact_id);
