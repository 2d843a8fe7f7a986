-- An admin's most recently ended impersonation, for the console's "You left …" after Exit.
CREATE INDEX impersonations_admin_ended ON impersonations (admin_user_id, ended_at DESC) WHERE ended_at IS NOT NULL;
