-- contacts no longer references workspaces (issue 15, docs/architecture.md "CSV
-- import"): PostgreSQL checks a foreign key with a trigger and an index probe per
-- row, a tenth of an import's time. Workspaces are never deleted, and the store
-- writes a contact only in a workspace it has just read in the same transaction
-- (the permission check); what the database still holds is what matters to a
-- user: one contact per phone per workspace.
ALTER TABLE contacts DROP CONSTRAINT contacts_workspace_id_fkey;
