CREATE INDEX impersonation_audit_imp ON impersonation_audit (impersonation_id, method, route, at);
CREATE INDEX impersonation_audit_path ON impersonation_audit (impersonation_id, method, path, at);
