-- Consent on request: an agent asks a customer for access ("SUP-1234: to check your receipt");
-- the customer allows it for a chosen time (a support_grants row) or denies it. Unanswered by
-- expires_at, a request has expired. Rows are kept: they are the history the console lists.
CREATE TABLE consent_requests (
    id               INTEGER PRIMARY KEY,
    customer_user_id INTEGER NOT NULL REFERENCES users (id),
    requester_id     INTEGER NOT NULL REFERENCES users (id),
    ticket           TEXT    NOT NULL CHECK (length(ticket) BETWEEN 1 AND 64),
    reason           TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    requested_at     INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL CHECK (expires_at > requested_at),
    answer           TEXT CHECK (answer IN ('allow', 'deny')),
    answered_at      INTEGER,
    grant_id         INTEGER REFERENCES support_grants (id),
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    CHECK ((answer IS 'allow') = (grant_id IS NOT NULL)),
    CHECK (requester_id <> customer_user_id)
);
CREATE INDEX consent_requests_pending ON consent_requests (customer_user_id, expires_at) WHERE answer IS NULL;
CREATE INDEX consent_requests_customer ON consent_requests (customer_user_id, id);
