-- Fewer B-tree writes per imported contact (see docs/benchmarks.md, "CSV import").
--
-- contacts_workspace becomes UNIQUE (it always was in fact: id is the primary key),
-- so that contact_tags can reference contacts by (workspace_id, id): one foreign key
-- check per tag row instead of two (workspaces and contacts), and a tag can no longer
-- name a contact of another workspace.
DROP INDEX contacts_workspace;
CREATE UNIQUE INDEX contacts_workspace ON contacts(workspace_id, id);

-- contact_tags is rebuilt WITHOUT ROWID: its primary key is the table, so a tag row
-- is two B-tree entries (the table and contact_tags_workspace_tag) instead of three.
-- Nothing references contact_tags, so dropping the old table cascades nowhere.
CREATE TABLE contact_tags_new (
    workspace_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    tag          TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts(workspace_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO contact_tags_new (workspace_id, contact_id, tag)
    SELECT t.workspace_id, t.contact_id, t.tag FROM contact_tags t
    JOIN contacts c ON c.id = t.contact_id AND c.workspace_id = t.workspace_id;
DROP TABLE contact_tags;
ALTER TABLE contact_tags_new RENAME TO contact_tags;
CREATE INDEX contact_tags_workspace_tag ON contact_tags(workspace_id, tag, contact_id);
