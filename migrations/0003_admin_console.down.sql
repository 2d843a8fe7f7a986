DROP INDEX auth_audit_impersonation;
ALTER TABLE auth_audit DROP COLUMN impersonation_id;
DROP INDEX auth_audit_tag;
DROP TRIGGER users_name_fts_update;
DROP TRIGGER users_name_fts_delete;
DROP TRIGGER users_name_fts_insert;
DROP TABLE users_name_fts;
