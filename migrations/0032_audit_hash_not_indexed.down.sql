PRAGMA legacy_alter_table = ON;

ALTER TABLE auth_audit RENAME TO auth_audit_old;
CREATE TABLE auth_audit (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    tag            TEXT    NOT NULL,
    actor_user_id  INTEGER,
    target_user_id INTEGER,
    ip             TEXT    NOT NULL DEFAULT '',
    user_agent     TEXT    NOT NULL DEFAULT '',
    metadata       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL UNIQUE,
    impersonation_id INTEGER
        GENERATED ALWAYS AS (json_extract(metadata, '$.impersonation_id')) VIRTUAL
);
INSERT INTO auth_audit (id, at, tag, actor_user_id, target_user_id, ip, user_agent, metadata, prev_hash, hash)
    SELECT id, at, tag, actor_user_id, target_user_id, ip, user_agent, metadata, prev_hash, hash FROM auth_audit_old ORDER BY id;
DROP TABLE auth_audit_old;
CREATE INDEX auth_audit_actor ON auth_audit (actor_user_id, id);
CREATE INDEX auth_audit_actor_tag ON auth_audit (actor_user_id, tag, id);
CREATE INDEX auth_audit_at ON auth_audit (at, id);
CREATE INDEX auth_audit_impersonation ON auth_audit (impersonation_id) WHERE impersonation_id IS NOT NULL;
CREATE INDEX auth_audit_tag ON auth_audit (tag, id);
CREATE INDEX auth_audit_tag_ip ON auth_audit (tag, ip, at);
CREATE INDEX auth_audit_target ON auth_audit (target_user_id, id);
CREATE INDEX auth_audit_target_tag ON auth_audit (target_user_id, tag, id);
CREATE TRIGGER auth_audit_no_update BEFORE UPDATE ON auth_audit
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;
CREATE TRIGGER auth_audit_no_delete BEFORE DELETE ON auth_audit
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;

ALTER TABLE impersonation_audit RENAME TO impersonation_audit_old;
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
INSERT INTO impersonation_audit SELECT * FROM impersonation_audit_old ORDER BY id;
DROP TABLE impersonation_audit_old;
CREATE INDEX impersonation_audit_admin ON impersonation_audit (admin_user_id, id);
CREATE INDEX impersonation_audit_at ON impersonation_audit (at, id);
CREATE INDEX impersonation_audit_customer ON impersonation_audit (customer_user_id, id);
CREATE INDEX impersonation_audit_last ON impersonation_audit (impersonation_id, at);
CREATE TRIGGER impersonation_audit_no_update BEFORE UPDATE ON impersonation_audit
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;
CREATE TRIGGER impersonation_audit_no_delete BEFORE DELETE ON impersonation_audit
BEGIN
    SELECT RAISE(ABORT, 'impersonation_audit is append-only');
END;

PRAGMA legacy_alter_table = OFF;
