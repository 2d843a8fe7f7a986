-- Audit integrity: signed checkpoints of the audit chains, and which auth_audit row records
-- each impersonation's end (NULL on an ended impersonation means its end row is still owed
-- and is written at the next maintenance tick or start-up).

CREATE TABLE audit_checkpoints (
    id   INTEGER PRIMARY KEY,
    at   INTEGER NOT NULL,
    body TEXT    NOT NULL CHECK (json_valid(body)),
    sig  TEXT    NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

DROP TRIGGER impersonations_end_once;
ALTER TABLE impersonations ADD COLUMN end_audit_id INTEGER;
UPDATE impersonations SET end_audit_id = (
    SELECT min(a.id) FROM auth_audit a
    WHERE a.impersonation_id = impersonations.id AND a.tag = 'impersonation.end')
WHERE ended_at IS NOT NULL;
CREATE INDEX impersonations_end_unrecorded ON impersonations (id)
    WHERE ended_at IS NOT NULL AND end_audit_id IS NULL;

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

-- A row /healthz rewrites to prove the file still takes writes.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
INSERT INTO health_probe (id, at) VALUES (1, 0);
