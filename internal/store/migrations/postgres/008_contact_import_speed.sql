-- Fewer index entries and foreign key checks per imported contact (see
-- docs/benchmarks.md, "CSV import").
--
-- contacts_workspace becomes UNIQUE (it always was in fact: id is the primary key),
-- so that contact_tags can reference contacts by (workspace_id, id): PostgreSQL
-- checks a foreign key with a trigger per row, and this is one check per tag row
-- instead of two (workspaces and contacts); a tag can no longer name a contact of
-- another workspace.
DROP INDEX contacts_workspace;
CREATE UNIQUE INDEX contacts_workspace ON contacts(workspace_id, id);

-- A tag whose workspace is not its contact's cannot be written by the store; were
-- one there, it is dropped rather than failing the migration (as in SQLite's copy).
DELETE FROM contact_tags t WHERE NOT EXISTS
    (SELECT 1 FROM contacts c WHERE c.id = t.contact_id AND c.workspace_id = t.workspace_id);
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_workspace_id_fkey;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_contact_id_fkey;
ALTER TABLE contact_tags ADD CONSTRAINT contact_tags_contact_fkey
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts(workspace_id, id) ON DELETE CASCADE;
