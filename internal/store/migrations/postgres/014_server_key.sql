-- Replicas on one PostgreSQL must seal and unseal with the same secret key (SMTP
-- passwords, voice-engine and webhook secrets). When the operator gives none with
-- --secret-key, the first replica to start keeps its key here and the others adopt
-- it (store/serverkey.go). SQLite keeps its key in the data directory and leaves
-- this table empty.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key_hex TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
