-- Tag runs (issue 15, docs/architecture.md "CSV import"). The tags given with an
-- import (its tags field, which every row of the file gets) are indexed once per
-- import and tag, not once per contact: contacts.tag_run names the import whose run
-- a contact belongs to, and contact_tag_runs holds, per tag of that import, the ids
-- its members span (first_id to last_id, where to look for them) and how many they
-- are (members, the audience count). A contact carries a tag when contact_tags has
-- the entry or when it belongs to a run of the tag; the store keeps exactly one of
-- the two for each contact and tag. A contact whose tags are edited or that is
-- deleted first leaves its run: its run's tags become contact_tags entries.
ALTER TABLE contacts ADD COLUMN tag_run TEXT;
CREATE TABLE contact_tag_runs (
    workspace_id TEXT NOT NULL,
    import_id    TEXT NOT NULL,
    tag          TEXT NOT NULL,
    first_id     TEXT NOT NULL,
    last_id      TEXT NOT NULL,
    members      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, import_id, tag)
);
CREATE INDEX contact_tag_runs_tag ON contact_tag_runs (workspace_id, tag, first_id);
