DROP INDEX auth_audit_target_tag;
DROP INDEX auth_audit_actor_tag;
