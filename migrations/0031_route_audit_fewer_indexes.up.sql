-- Every audited request writes one impersonation_audit row, and each index is one more B-tree
-- to update in its commit. Nothing reads impersonation_audit_imp any more; the per-minute
-- dedupe of a page (RecentRouteAudit) reads the impersonation's rows of the last minute through
-- impersonation_audit_last (impersonation_id, at) instead of impersonation_audit_path.
DROP INDEX impersonation_audit_imp;
DROP INDEX impersonation_audit_path;
