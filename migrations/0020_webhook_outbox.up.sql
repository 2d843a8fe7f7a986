-- Events for other tools (a helpdesk, a chat): every impersonation.* and admin.* auth_audit
-- row is queued here in the same transaction, and delivered as a signed webhook with retries
-- (package webhook). A row is only ever marked delivered or rescheduled, never deleted, so
-- nothing queued is lost across a restart; the table is the console's delivery log.
CREATE TABLE webhook_outbox (
    id           INTEGER PRIMARY KEY,
    audit_id     INTEGER NOT NULL UNIQUE REFERENCES auth_audit (id),
    event        TEXT    NOT NULL,
    body         TEXT    NOT NULL CHECK (json_valid(body)),
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_waiting ON webhook_outbox (id) WHERE delivered_at IS NULL;
