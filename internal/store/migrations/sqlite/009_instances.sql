-- Each serving process on PostgreSQL is an instance with a heartbeat; the leases it
-- takes (mail, contact imports) name it, so that when its heartbeat stops another
-- process takes them over at once instead of waiting for them to run out.
-- (SQLite has one serving process: it clears its own stale leases when it starts.)
CREATE TABLE instances (
    id           TEXT PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
ALTER TABLE mail_outbox ADD COLUMN lease_instance TEXT;
ALTER TABLE contact_imports ADD COLUMN lease_instance TEXT;
