-- A person's emails of one kind, newest last: "was this person told of failed sign-ins in the
-- last day?" reads a few rows (users.SecurityNotices).
CREATE INDEX mail_outbox_user_kind ON mail_outbox (user_id, kind, created_at);
