DROP INDEX mail_outbox_user_kind;
