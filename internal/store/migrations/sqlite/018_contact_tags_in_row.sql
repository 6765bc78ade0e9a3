-- A contact's tags live in its row (issue 15, docs/architecture.md "CSV import"):
-- contacts.tags is the JSON array of its tags, sorted, which every read returns;
-- contact_tags is only the index of the tag filter, one B-tree keyed (workspace_id,
-- tag, contact_id), the keyset order of a tag's contacts, without a foreign key (the
-- store writes both in one transaction). An imported row costs one B-tree insert per
-- tag instead of two plus a foreign key check.
ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
UPDATE contacts SET tags = (SELECT json_group_array(tag) FROM (SELECT t.tag FROM contact_tags t
        WHERE t.workspace_id = contacts.workspace_id AND t.contact_id = contacts.id ORDER BY t.tag))
    WHERE EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = contacts.workspace_id AND t.contact_id = contacts.id);

CREATE TABLE contact_tags_new (
    workspace_id TEXT NOT NULL,
    tag          TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, tag, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_tags_new (workspace_id, tag, contact_id)
    SELECT t.workspace_id, t.tag, t.contact_id FROM contact_tags t
    JOIN contacts c ON c.workspace_id = t.workspace_id AND c.id = t.contact_id;
DROP TABLE contact_tags;
ALTER TABLE contact_tags_new RENAME TO contact_tags;
