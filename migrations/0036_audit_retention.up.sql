-- Retention without breaking the chain: rows older than the retention period are archived to
-- signed segment files and then removed, with a chained "audit.prune" row saying up to which
-- row each chain was pruned and the hash of the last row removed (audit verify starts each
-- chain from there). The append-only triggers let a row go only when audit_prunes covers it;
-- audit_prunes is itself append-only. Someone who writes audit_prunes and deletes rows still
-- shows: verify follows the keyed audit.prune row, which only the key can write.
CREATE TABLE audit_prunes (
    id       INTEGER PRIMARY KEY,
    chain    TEXT    NOT NULL CHECK (chain IN ('auth', 'routes')),
    up_to    INTEGER NOT NULL,
    at       INTEGER NOT NULL
);
CREATE TRIGGER audit_prunes_no_update BEFORE UPDATE ON audit_prunes
BEGIN
    SELECT RAISE(ABORT, 'audit_prunes is append-only');
END;
CREATE TRIGGER audit_prunes_no_delete BEFORE DELETE ON audit_prunes
BEGIN
    SELECT RAISE(ABORT, 'audit_prunes is append-only');
END;

DROP TRIGGER auth_audit_no_delete;
CREATE TRIGGER auth_audit_no_delete BEFORE DELETE ON auth_audit
WHEN OLD.id > (SELECT coalesce(max(up_to), 0) FROM audit_prunes WHERE chain = 'auth')
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;

DROP TRIGGER impersonation_audit_no_delete;
CREATE TRIGGER impersonation_audit_no_delete BEFORE DELETE ON impersonation_audit
WHEN OLD.id > (SELECT coalesce(max(up_to), 0) FROM audit_prunes WHERE chain = 'routes')
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;
