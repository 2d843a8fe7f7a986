-- Protected accounts (staff family, VIP, legal hold): impersonating one needs a second staff
-- member's approval or the customer's own time-limited grant.
ALTER TABLE users ADD COLUMN protected_reason TEXT NOT NULL DEFAULT '' CHECK (length(protected_reason) <= 1000);

-- Four eyes: a request to impersonate a protected customer, approved by someone else, used
-- once before it expires. The approver saw the ticket, reason and mode, so the impersonation
-- started with it has exactly those.
CREATE TABLE impersonation_approvals (
    id               INTEGER PRIMARY KEY,
    customer_user_id INTEGER NOT NULL REFERENCES users (id),
    requester_id     INTEGER NOT NULL REFERENCES users (id),
    ticket           TEXT    NOT NULL CHECK (length(ticket) BETWEEN 1 AND 64),
    reason           TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    allow_changes    INTEGER NOT NULL CHECK (allow_changes IN (0, 1)),
    requested_at     INTEGER NOT NULL,
    approver_id      INTEGER REFERENCES users (id),
    approved_at      INTEGER,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    CHECK (approver_id IS NULL OR approver_id <> requester_id)
);
CREATE INDEX impersonation_approvals_open ON impersonation_approvals (requester_id, customer_user_id) WHERE used_at IS NULL;
CREATE INDEX impersonation_approvals_pending ON impersonation_approvals (id) WHERE approved_at IS NULL AND used_at IS NULL;

-- A customer's grant: "let support see my account" until expires_at, unless revoked.
CREATE TABLE support_grants (
    id               INTEGER PRIMARY KEY,
    customer_user_id INTEGER NOT NULL REFERENCES users (id),
    granted_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL CHECK (expires_at > granted_at),
    revoked_at       INTEGER
);
CREATE INDEX support_grants_customer ON support_grants (customer_user_id, expires_at) WHERE revoked_at IS NULL;
