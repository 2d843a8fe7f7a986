DROP TABLE health_probe;
DROP TRIGGER impersonations_end_once;
DROP INDEX impersonations_end_unrecorded;
ALTER TABLE impersonations DROP COLUMN end_audit_id;
CREATE TRIGGER impersonations_end_once BEFORE UPDATE ON impersonations
WHEN OLD.ended_at IS NOT NULL
  OR NEW.admin_user_id IS NOT OLD.admin_user_id OR NEW.customer_user_id IS NOT OLD.customer_user_id
  OR NEW.ticket IS NOT OLD.ticket OR NEW.reason IS NOT OLD.reason OR NEW.allow_changes IS NOT OLD.allow_changes
  OR NEW.started_at IS NOT OLD.started_at OR NEW.expires_at IS NOT OLD.expires_at
BEGIN
    SELECT RAISE(ABORT, 'an impersonation can only be ended, once');
END;
DROP TABLE audit_checkpoints;
