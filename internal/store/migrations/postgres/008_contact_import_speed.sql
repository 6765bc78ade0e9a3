-- Fewer index entries and foreign key checks per imported contact (see
-- docs/benchmarks.md, "CSV import").
--
-- contacts is keyed by (workspace_id, id), what every query names and the keyset
-- pagination order, instead of id alone plus a (workspace_id, id) index: one index
-- fewer per contact. contact_tags references contacts by (workspace_id, contact_id):
-- PostgreSQL checks a foreign key with a trigger per row, and this is one check per
-- tag row instead of two (workspaces and contacts); a tag can no longer name a
-- contact of another workspace. Nothing else references contacts.
--
-- A tag whose workspace is not its contact's cannot be written by the store; were
-- one there, it is dropped rather than failing the migration (as in SQLite's copy).
DELETE FROM contact_tags t WHERE NOT EXISTS
    (SELECT 1 FROM contacts c WHERE c.id = t.contact_id AND c.workspace_id = t.workspace_id);
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_workspace_id_fkey;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_contact_id_fkey;
DROP INDEX contacts_workspace;
ALTER TABLE contacts DROP CONSTRAINT contacts_pkey;
ALTER TABLE contacts ADD CONSTRAINT contacts_pkey PRIMARY KEY (workspace_id, id);
ALTER TABLE contact_tags ADD CONSTRAINT contact_tags_contact_fkey
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts(workspace_id, id) ON DELETE CASCADE;
