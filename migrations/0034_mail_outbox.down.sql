DROP TABLE mail_outbox;
ALTER TABLE users DROP COLUMN notify_support_access;
