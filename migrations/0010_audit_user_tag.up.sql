-- A user's rows of one tag (the audit page's user + tag filter) through an index in id
-- order, however many rows of other tags the user has.
CREATE INDEX auth_audit_actor_tag ON auth_audit (actor_user_id, tag, id);
CREATE INDEX auth_audit_target_tag ON auth_audit (target_user_id, tag, id);
