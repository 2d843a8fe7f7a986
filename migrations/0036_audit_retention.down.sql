DROP TRIGGER auth_audit_no_delete;
CREATE TRIGGER auth_audit_no_delete BEFORE DELETE ON auth_audit
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;
DROP TRIGGER impersonation_audit_no_delete;
CREATE TRIGGER impersonation_audit_no_delete BEFORE DELETE ON impersonation_audit
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;
DROP TABLE audit_prunes;
