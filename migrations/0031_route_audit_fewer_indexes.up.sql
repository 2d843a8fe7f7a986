-- Every audited request writes one impersonation_audit row, and each index is one more B-tree
-- to update in its commit. These two served queries that are gone (route rows deduplicated by
-- route and by path); the rows of one impersonation are found through impersonation_audit_last.
DROP INDEX impersonation_audit_imp;
DROP INDEX impersonation_audit_path;
