-- The impersonation kill switch: one row that turns impersonation off for everyone, with its
-- reason and who changed it; open impersonations end at once with end_via 'disabled'.
-- SQLite cannot change a CHECK in place, so impersonations is rebuilt (foreign keys are off
-- while migrating; ids stay), its indexes and triggers exactly as before.
CREATE TABLE impersonation_switch (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    reason     TEXT    NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    changed_by INTEGER REFERENCES users (id),
    changed_at INTEGER NOT NULL
);
INSERT INTO impersonation_switch (id, enabled, changed_at) VALUES (1, 1, 0);

CREATE TABLE impersonations_new (
    id               INTEGER PRIMARY KEY,
    admin_user_id    INTEGER NOT NULL REFERENCES users (id),
    customer_user_id INTEGER NOT NULL REFERENCES users (id),
    ticket           TEXT    NOT NULL CHECK (length(ticket) BETWEEN 1 AND 64),
    reason           TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    allow_changes    INTEGER NOT NULL DEFAULT 0 CHECK (allow_changes IN (0, 1)),
    started_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL CHECK (expires_at > started_at),
    ended_at         INTEGER,
    end_via          TEXT CHECK (end_via IN ('exit', 'marker_removed', 'expired', 'idle', 'role_revoked',
                         'admin_disabled', 'customer_disabled', 'customer_promoted', 'server_restart', 'logout', 'disabled',
                         'grant_revoked')),
    end_audit_id     INTEGER,
    CHECK (admin_user_id <> customer_user_id),
    CHECK ((ended_at IS NULL) = (end_via IS NULL))
);
INSERT INTO impersonations_new SELECT id, admin_user_id, customer_user_id, ticket, reason, allow_changes, started_at,
    expires_at, ended_at, end_via, end_audit_id FROM impersonations;
DROP TABLE impersonations;
ALTER TABLE impersonations_new RENAME TO impersonations;
CREATE UNIQUE INDEX impersonations_one_active_per_admin ON impersonations (admin_user_id) WHERE ended_at IS NULL;
CREATE INDEX impersonations_active ON impersonations (expires_at) WHERE ended_at IS NULL;
CREATE INDEX impersonations_end_unrecorded ON impersonations (id) WHERE ended_at IS NOT NULL AND end_audit_id IS NULL;
CREATE TRIGGER impersonations_no_delete BEFORE DELETE ON impersonations
BEGIN
    SELECT RAISE(ABORT, 'impersonations are kept for the audit trail');
END;
CREATE INDEX impersonations_customer ON impersonations (customer_user_id, started_at DESC, id DESC);
CREATE INDEX impersonations_admin_ended ON impersonations (admin_user_id, ended_at DESC) WHERE ended_at IS NOT NULL;
CREATE TRIGGER impersonations_end_once BEFORE UPDATE ON impersonations
WHEN NEW.admin_user_id IS NOT OLD.admin_user_id OR NEW.customer_user_id IS NOT OLD.customer_user_id
  OR NEW.ticket IS NOT OLD.ticket OR NEW.reason IS NOT OLD.reason OR NEW.allow_changes IS NOT OLD.allow_changes
  OR NEW.started_at IS NOT OLD.started_at
  OR (NEW.expires_at IS NOT OLD.expires_at AND (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL OR NEW.expires_at <= OLD.expires_at))
  OR (OLD.ended_at IS NOT NULL AND (NEW.ended_at IS NOT OLD.ended_at OR NEW.end_via IS NOT OLD.end_via))
  OR (OLD.end_audit_id IS NOT NULL AND NEW.end_audit_id IS NOT OLD.end_audit_id)
  OR (NEW.end_audit_id IS NOT NULL AND NEW.ended_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'an impersonation can only be extended while active, and ended once');
END;
