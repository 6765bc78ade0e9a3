-- Console part 2 (issue 12): an import reports updates and in-file duplicates as their
-- own counts. A contact remembers the import that created it (NULL for one created any
-- other way), so that a later chunk of the same import can tell a phone repeated in
-- the file (rows_duplicate) from one the workspace had before (rows_updated).
ALTER TABLE contacts ADD COLUMN import_id TEXT;
ALTER TABLE contact_imports ADD COLUMN rows_updated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_imports ADD COLUMN rows_duplicate BIGINT NOT NULL DEFAULT 0;
