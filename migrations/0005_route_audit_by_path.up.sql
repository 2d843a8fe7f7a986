-- Route audit is rate-limited per concrete path (each receipt seen is its own row).
CREATE INDEX impersonation_audit_path ON impersonation_audit (impersonation_id, method, path, at);
