-- Impersonation: an admin viewing the customer surface scoped to one customer, and its
-- append-only, hash-chained route audit.

CREATE TABLE impersonations (
    id               INTEGER PRIMARY KEY,
    admin_user_id    INTEGER NOT NULL REFERENCES users (id),
    customer_user_id INTEGER NOT NULL REFERENCES users (id),
    ticket           TEXT    NOT NULL CHECK (length(ticket) BETWEEN 1 AND 64),
    reason           TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    allow_changes    INTEGER NOT NULL DEFAULT 0 CHECK (allow_changes IN (0, 1)),
    started_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL CHECK (expires_at > started_at),
    ended_at         INTEGER,
    end_via          TEXT CHECK (end_via IN ('exit', 'marker_removed', 'expired', 'role_revoked',
                         'admin_disabled', 'customer_disabled', 'server_restart', 'logout')),
    CHECK (admin_user_id <> customer_user_id),
    CHECK ((ended_at IS NULL) = (end_via IS NULL))
);
-- At most one active impersonation per admin: two racing starts give one success.
CREATE UNIQUE INDEX impersonations_one_active_per_admin ON impersonations (admin_user_id) WHERE ended_at IS NULL;
CREATE INDEX impersonations_customer ON impersonations (customer_user_id, started_at DESC);
CREATE INDEX impersonations_active ON impersonations (expires_at) WHERE ended_at IS NULL;

-- An impersonation can be ended once; nothing else about it ever changes.
CREATE TRIGGER impersonations_end_once BEFORE UPDATE ON impersonations
WHEN OLD.ended_at IS NOT NULL
  OR NEW.admin_user_id IS NOT OLD.admin_user_id OR NEW.customer_user_id IS NOT OLD.customer_user_id
  OR NEW.ticket IS NOT OLD.ticket OR NEW.reason IS NOT OLD.reason OR NEW.allow_changes IS NOT OLD.allow_changes
  OR NEW.started_at IS NOT OLD.started_at OR NEW.expires_at IS NOT OLD.expires_at
BEGIN
    SELECT RAISE(ABORT, 'an impersonation can only be ended, once');
END;
CREATE TRIGGER impersonations_no_delete BEFORE DELETE ON impersonations
BEGIN
    SELECT RAISE(ABORT, 'impersonations are kept for the audit trail');
END;

CREATE TABLE impersonation_audit (
    id               INTEGER PRIMARY KEY,
    impersonation_id INTEGER NOT NULL REFERENCES impersonations (id),
    at               INTEGER NOT NULL,
    admin_user_id    INTEGER NOT NULL,
    customer_user_id INTEGER NOT NULL,
    method           TEXT    NOT NULL,
    route            TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    status           INTEGER NOT NULL,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('viewed', 'changed', 'blocked')),
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL UNIQUE
);
CREATE INDEX impersonation_audit_imp ON impersonation_audit (impersonation_id, method, route, at);
CREATE INDEX impersonation_audit_at ON impersonation_audit (at, id);
CREATE INDEX impersonation_audit_admin ON impersonation_audit (admin_user_id, id);
CREATE INDEX impersonation_audit_customer ON impersonation_audit (customer_user_id, id);

CREATE TRIGGER impersonation_audit_no_update BEFORE UPDATE ON impersonation_audit
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;
CREATE TRIGGER impersonation_audit_no_delete BEFORE DELETE ON impersonation_audit
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;
