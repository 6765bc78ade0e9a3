-- Budget alerts and webhooks (docs/webhooks.md).
--
-- budget_alert_levels holds, per budgeted workspace, the highest budget threshold
-- (0, 50, 80, 100 %) already announced for the current budget value; a call report
-- raises it with a conditional upsert (checked by rows affected) so that each
-- threshold fires once, and a budget change resets it to what the new budget's
-- usage has reached. pool_low_alerts holds the grant whose "pool low" alert has
-- fired, per account. Both live apart from the workspace and account rows, which
-- the call report has already updated: a second UPDATE of those rows in the same
-- transaction would recheck their foreign keys on PostgreSQL and take locks out
-- of the store's lock order.
CREATE TABLE budget_alert_levels (
    workspace_id TEXT PRIMARY KEY,
    level        BIGINT NOT NULL
);
CREATE TABLE pool_low_alerts (
    account_id TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL
);

-- events are written in the same transaction as the change they report; the
-- webhook worker fans each out to the endpoints that subscribe to it (one
-- webhook_deliveries row each) and marks it dispatched, in one transaction.
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    account_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    dispatched   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_workspace_type ON events(workspace_id, type, id);
CREATE INDEX events_undispatched ON events(id) WHERE dispatched = 0;

CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    failing_since BIGINT,
    disabled_at   BIGINT
);
CREATE INDEX webhooks_workspace ON webhooks(workspace_id, id);

-- webhook_deliveries is the durable outbox: one row per (event, endpoint), plus one
-- per redelivery; workers lease rows as the mail outbox does.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL,
    event_id        TEXT NOT NULL REFERENCES events(id),
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    response_status BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    lease           TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
