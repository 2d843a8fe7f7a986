-- Notices by email go out through an outbox, like webhook events: queued in the transaction
-- of what they tell, sent by a loop with retries, never lost across a restart. Unlike events,
-- each mail stands alone (one bad address holds up no other): failed_at marks one the server
-- refused for good (a bad address), which is not tried again.
CREATE TABLE mail_outbox (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id),
    kind         TEXT    NOT NULL,
    to_addr      TEXT    NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),
    subject      TEXT    NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body         TEXT    NOT NULL CHECK (length(body) <= 20000),
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER,
    failed_at    INTEGER,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_waiting ON mail_outbox (next_at, id) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- A customer's choice: an email each time support opens their account.
ALTER TABLE users ADD COLUMN notify_support_access INTEGER NOT NULL DEFAULT 0 CHECK (notify_support_access IN (0, 1));
