-- Notices by email (package mail).

-- name: EnqueueMail :exec
INSERT INTO mail_outbox (user_id, kind, to_addr, subject, body, created_at, next_at)
VALUES (@user_id, @kind, @to_addr, @subject, @body, @now, @now);

-- name: DueMail :many
-- Mail to send now, oldest first, through the partial index of waiting mail.
SELECT id, to_addr, subject, body, attempts FROM mail_outbox
WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= @now
ORDER BY next_at, id LIMIT @limit;

-- name: MarkMailSent :exec
UPDATE mail_outbox SET delivered_at = @now, attempts = attempts + 1, last_error = '' WHERE id = @id AND delivered_at IS NULL;

-- name: MarkMailRetry :exec
UPDATE mail_outbox SET attempts = attempts + 1, next_at = @next_at, last_error = @error WHERE id = @id AND delivered_at IS NULL;

-- name: MarkMailFailed :exec
UPDATE mail_outbox SET attempts = attempts + 1, failed_at = @now, last_error = @error WHERE id = @id AND delivered_at IS NULL;

-- name: MailBacklog :one
SELECT count(*) FROM mail_outbox WHERE delivered_at IS NULL AND failed_at IS NULL;

-- name: CustomerForNotice :one
-- Where a notice to the customer goes, and whether they asked for support-access notices.
SELECT email, name, notify_support_access FROM users WHERE id = @acting_as AND role = 'customer';

-- name: SetNotifySupportAccess :execrows
UPDATE users SET notify_support_access = @notify WHERE id = @acting_as AND role = 'customer';

-- name: UserForNotice :one
-- Where a notice about a person's own sign-in goes (staff or customer), and their name.
SELECT email, name, role FROM users WHERE id = @user_id;

-- name: RecentSignInAgents :many
-- The browsers (User-Agent) of a person's last 50 sign-ins before row @before, newest first:
-- a sign-in from none of them is from a new device (users.SecurityNotices).
SELECT user_agent FROM auth_audit
WHERE actor_user_id = @user_id AND tag = 'login.success' AND id < @before
ORDER BY id DESC
LIMIT 50;

-- name: RecentSignInFailures :one
-- How many of a person's last 10 failed sign-ins up to row @upto were at or after @since.
SELECT CAST(count(*) AS INTEGER) FROM (
    SELECT at FROM auth_audit
    WHERE target_user_id = @user_id AND tag = 'login.failure' AND id <= @upto
    ORDER BY id DESC
    LIMIT 10
) WHERE at >= @since;

-- name: MailsOfKindSince :one
-- How many emails of a kind a person was sent (queued) at or after @since.
SELECT CAST(count(*) AS INTEGER) FROM mail_outbox WHERE user_id = @user_id AND kind = @kind AND created_at >= @since;
