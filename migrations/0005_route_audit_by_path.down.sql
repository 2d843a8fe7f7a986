DROP INDEX impersonation_audit_path;
