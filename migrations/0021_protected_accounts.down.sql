DROP TABLE support_grants;
DROP TABLE impersonation_approvals;
ALTER TABLE users DROP COLUMN protected_reason;
