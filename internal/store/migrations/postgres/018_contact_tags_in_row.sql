-- A contact's tags live in its row (issue 15, docs/architecture.md "CSV import"):
-- contacts.tags is the JSON array of its tags, sorted, which every read returns;
-- contact_tags is only the index of the tag filter, keyed (workspace_id, tag,
-- contact_id), the keyset order of a tag's contacts, without a foreign key (the
-- store writes both in one transaction): an imported row costs one index entry per
-- tag instead of two plus a foreign key trigger.
ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
UPDATE contacts c SET tags = t.tags FROM (
        SELECT workspace_id, contact_id, json_agg(tag ORDER BY tag COLLATE "C")::text AS tags
        FROM contact_tags GROUP BY workspace_id, contact_id) t
    WHERE c.workspace_id = t.workspace_id AND c.id = t.contact_id;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_contact_fkey;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_pkey;
DROP INDEX contact_tags_workspace_tag;
ALTER TABLE contact_tags ADD CONSTRAINT contact_tags_pkey PRIMARY KEY (workspace_id, tag, contact_id);
-- The upload's chunks are CSV text read once: stored as they are, not compressed.
ALTER TABLE contact_import_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
