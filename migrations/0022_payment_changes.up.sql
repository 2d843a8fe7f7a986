-- Payment methods move money: even with changes allowed, an impersonation may change them
-- only when an admin started it saying the ticket authorizes it (allow_payments), fixed for
-- its life like the rest of its start.
ALTER TABLE impersonations ADD COLUMN allow_payments INTEGER NOT NULL DEFAULT 0 CHECK (allow_payments IN (0, 1));
DROP TRIGGER impersonations_end_once;
CREATE TRIGGER impersonations_end_once BEFORE UPDATE ON impersonations
WHEN NEW.admin_user_id IS NOT OLD.admin_user_id OR NEW.customer_user_id IS NOT OLD.customer_user_id
  OR NEW.ticket IS NOT OLD.ticket OR NEW.reason IS NOT OLD.reason OR NEW.allow_changes IS NOT OLD.allow_changes
  OR NEW.allow_payments IS NOT OLD.allow_payments OR NEW.started_at IS NOT OLD.started_at
  OR (NEW.expires_at IS NOT OLD.expires_at AND (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL OR NEW.expires_at <= OLD.expires_at))
  OR (OLD.ended_at IS NOT NULL AND (NEW.ended_at IS NOT OLD.ended_at OR NEW.end_via IS NOT OLD.end_via))
  OR (OLD.end_audit_id IS NOT NULL AND NEW.end_audit_id IS NOT OLD.end_audit_id)
  OR (NEW.end_audit_id IS NOT NULL AND NEW.ended_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'an impersonation can only be extended while active, and ended once');
END;
