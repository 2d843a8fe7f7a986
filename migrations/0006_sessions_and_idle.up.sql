-- Sessions are stored by the SHA-256 of their id (a copy of the database holds no usable
-- session), with the time they were last used (idle timeout). Existing sessions end: their
-- rows hold raw ids.
DELETE FROM web_sessions;
ALTER TABLE web_sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;

-- Impersonations can also end idle, or because their customer became staff. SQLite cannot
-- change a CHECK in place, so the table is rebuilt; legacy_alter_table keeps
-- impersonation_audit's foreign key pointing at the name "impersonations" throughout.
PRAGMA legacy_alter_table = ON;
ALTER TABLE impersonations RENAME TO impersonations_old;
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
    end_via          TEXT CHECK (end_via IN ('exit', 'marker_removed', 'expired', 'idle', 'role_revoked',
                         'admin_disabled', 'customer_disabled', 'customer_promoted', 'server_restart', 'logout')),
    end_audit_id     INTEGER,
    CHECK (admin_user_id <> customer_user_id),
    CHECK ((ended_at IS NULL) = (end_via IS NULL))
);
INSERT INTO impersonations SELECT id, admin_user_id, customer_user_id, ticket, reason, allow_changes, started_at,
    expires_at, ended_at, end_via, end_audit_id FROM impersonations_old;
DROP TABLE impersonations_old;
PRAGMA legacy_alter_table = OFF;

CREATE UNIQUE INDEX impersonations_one_active_per_admin ON impersonations (admin_user_id) WHERE ended_at IS NULL;
CREATE INDEX impersonations_customer ON impersonations (customer_user_id, started_at DESC);
CREATE INDEX impersonations_active ON impersonations (expires_at) WHERE ended_at IS NULL;
CREATE INDEX impersonations_end_unrecorded ON impersonations (id) WHERE ended_at IS NOT NULL AND end_audit_id IS NULL;

-- An impersonation can be ended once, its end row recorded once; nothing else ever changes.
CREATE TRIGGER impersonations_end_once BEFORE UPDATE ON impersonations
WHEN NEW.admin_user_id IS NOT OLD.admin_user_id OR NEW.customer_user_id IS NOT OLD.customer_user_id
  OR NEW.ticket IS NOT OLD.ticket OR NEW.reason IS NOT OLD.reason OR NEW.allow_changes IS NOT OLD.allow_changes
  OR NEW.started_at IS NOT OLD.started_at OR NEW.expires_at IS NOT OLD.expires_at
  OR (OLD.ended_at IS NOT NULL AND (NEW.ended_at IS NOT OLD.ended_at OR NEW.end_via IS NOT OLD.end_via))
  OR (OLD.end_audit_id IS NOT NULL AND NEW.end_audit_id IS NOT OLD.end_audit_id)
  OR (NEW.end_audit_id IS NOT NULL AND NEW.ended_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'an impersonation can only be ended, once');
END;
CREATE TRIGGER impersonations_no_delete BEFORE DELETE ON impersonations
BEGIN
    SELECT RAISE(ABORT, 'impersonations are kept for the audit trail');
END;

-- An impersonation's last request, for the idle end.
CREATE INDEX impersonation_audit_last ON impersonation_audit (impersonation_id, at);
