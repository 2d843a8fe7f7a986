-- name: GetWebSession :one
SELECT * FROM web_sessions WHERE id = ? AND expires_at > ?;

-- name: SaveWebSession :exec
-- id is the SHA-256 of the session id the cookie carries, never the id itself.
-- pending marks a session whose second step is still due (not signed in yet); factor and
-- factor_at the factor it used at sign-in (later uses are written by SetSessionFactor). Saving
-- again keeps the session's expiry and its factor.
INSERT INTO web_sessions (id, user_id, data, created_at, expires_at, last_seen_at, pending, factor, factor_at)
VALUES (@id, @user_id, @data, @created_at, @expires_at, @created_at, @pending, @factor, @factor_at)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, pending = excluded.pending;

-- name: DeleteWebSession :exec
DELETE FROM web_sessions WHERE id = ?;

-- name: DeleteExpiredWebSessions :execrows
DELETE FROM web_sessions WHERE expires_at <= ?;

-- name: TouchWebSession :exec
UPDATE web_sessions SET last_seen_at = ? WHERE id = ?;

-- name: GetCaller :one
-- The caller of a request in one read, on every request: their session (by the hash of the
-- id the cookie carries), their user row (role and status never cached) and their open
-- impersonation with its customer and its last request. user_id is 0 when the account is
-- gone; imp_id is 0 when they impersonate no one; cust_id is 0 when that customer is gone.
SELECT ws.id AS session_key, ws.created_at AS session_created_at, ws.last_seen_at AS session_last_seen_at,
       ws.pending AS session_pending, ws.factor AS session_factor, ws.factor_at AS session_factor_at,
       CAST(EXISTS (SELECT 1 FROM user_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS INTEGER) AS user_has_factor,
       CAST(coalesce(u.id, 0) AS INTEGER) AS user_id, CAST(coalesce(u.public_id, '') AS TEXT) AS user_public_id,
       CAST(coalesce(u.email, '') AS TEXT) AS user_email, CAST(coalesce(u.name, '') AS TEXT) AS user_name,
       CAST(coalesce(u.role, '') AS TEXT) AS user_role, CAST(coalesce(u.status, '') AS TEXT) AS user_status,
       CAST(coalesce(u.created_at, 0) AS INTEGER) AS user_created_at,
       CAST(coalesce(i.id, 0) AS INTEGER) AS imp_id, CAST(coalesce(i.customer_user_id, 0) AS INTEGER) AS imp_customer_user_id,
       CAST(coalesce(i.ticket, '') AS TEXT) AS imp_ticket, CAST(coalesce(i.reason, '') AS TEXT) AS imp_reason,
       CAST(coalesce(i.allow_changes, 0) AS INTEGER) AS imp_allow_changes, CAST(coalesce(i.allow_payments, 0) AS INTEGER) AS imp_allow_payments,
       CAST(coalesce(i.started_at, 0) AS INTEGER) AS imp_started_at, CAST(coalesce(i.expires_at, 0) AS INTEGER) AS imp_expires_at,
       CAST(coalesce((SELECT max(r.at) FROM impersonation_audit r WHERE r.impersonation_id = i.id), i.started_at, 0) AS INTEGER) AS imp_last_activity,
       CAST(coalesce(c.id, 0) AS INTEGER) AS cust_id, CAST(coalesce(c.public_id, '') AS TEXT) AS cust_public_id,
       CAST(coalesce(c.name, '') AS TEXT) AS cust_name, CAST(coalesce(c.role, '') AS TEXT) AS cust_role,
       CAST(coalesce(c.status, '') AS TEXT) AS cust_status
FROM web_sessions ws
LEFT JOIN users u ON u.id = ws.user_id
LEFT JOIN impersonations i ON i.admin_user_id = ws.user_id AND i.ended_at IS NULL
LEFT JOIN users c ON c.id = i.customer_user_id
WHERE ws.id = @id AND ws.expires_at > @now;

-- name: DeleteOtherSessions :execrows
-- Signs a user out everywhere but here (keep is the hash of this session's id).
DELETE FROM web_sessions WHERE user_id = @user_id AND id != @keep;

-- name: RotateWebSession :execrows
-- Gives a session a new id (the hash of a new cookie's id), keeping its user, its times and
-- its values: after a step-up, the id that was in use before it no longer works.
UPDATE web_sessions SET id = @new_id WHERE id = @id;

-- name: DescribeWebSession :exec
-- Notes where a login was made from (its address and browser, cut to 300 bytes), just after
-- it is saved.
UPDATE web_sessions SET ip = @ip, user_agent = @user_agent WHERE id = @id;

-- name: ListUserSessions :many
-- A user's signed-in sessions, the asking one (@current) first, then the most recently used:
-- not the ones still owing their second step, nor those expired or idle (seen before
-- @seen_after) that the next request or the maintenance loop deletes. handle names a session on the page: the first 16 hex digits
-- of its key (the key is the hash of the cookie's id, so neither makes a cookie).
SELECT CAST(substr(id, 1, 16) AS TEXT) AS handle, CAST(id = @current AS INTEGER) AS is_current,
       created_at, last_seen_at, ip, user_agent, factor
FROM web_sessions
WHERE user_id = @user_id AND pending = 0 AND expires_at > @now AND max(last_seen_at, created_at) > @seen_after
ORDER BY is_current DESC, max(last_seen_at, created_at) DESC, created_at DESC
LIMIT 100;

-- name: GetUserSession :one
-- One of a user's sessions by its handle (ListUserSessions).
SELECT id, created_at, ip, user_agent FROM web_sessions
WHERE user_id = @user_id AND substr(id, 1, 16) = @handle AND pending = 0 AND expires_at > @now;
