-- name: ListStaff :many
-- Every staff member (support and admins), for the console's staff page: a small table.
SELECT id, public_id, email, name, role, status, created_at,
       (SELECT count(*) FROM user_factors f WHERE f.user_id = users.id AND f.confirmed_at IS NOT NULL) AS factors
FROM users
WHERE role IN ('admin', 'support') ORDER BY status, name, id;

-- name: GetUserForAdmin :one
-- A user an admin manages (staff or customer), by id.
SELECT id, public_id, email, name, role, status, created_at FROM users WHERE id = ?;

-- name: SetUserRole :exec
UPDATE users SET role = @role WHERE id = @id;

-- name: SetUserStatus :exec
UPDATE users SET status = @status WHERE id = @id;

-- name: DeleteUserSessions :execrows
-- Logs a user out everywhere (their next request has no session).
DELETE FROM web_sessions WHERE user_id = ?;

-- name: InsertPasswordToken :exec
INSERT INTO password_tokens (token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: GetPasswordToken :one
-- A password-set link's token (by its hash), with its user.
SELECT t.user_id, t.expires_at, t.used_at, u.name, u.email, u.status
FROM password_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ?;

-- name: UsePasswordToken :execrows
UPDATE password_tokens SET used_at = @now WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @now;

-- name: SetPasswordHash :exec
UPDATE users SET password_hash = @password_hash WHERE id = @id;

-- name: VoidPasswordTokens :execrows
-- Voids a user's unused one-time links (a newer one was issued): they then answer like a
-- used link.
UPDATE password_tokens SET used_at = @now WHERE user_id = @user_id AND used_at IS NULL;

-- name: LinksIssuedBy :one
-- How many of user's credentials issuer set since: one-time password links (an account's
-- creation makes one too), factors reset (admin.staff.mfa_reset in the chain) and factors
-- enrolled for them. A colleague whose credentials the requester set lately is no second
-- pair of eyes.
SELECT (SELECT count(*) FROM password_tokens t WHERE t.user_id = @user_id AND t.created_by = @issuer AND t.created_at > @since)
     + (SELECT count(*) FROM auth_audit a WHERE a.target_user_id = @user_id AND a.tag = 'admin.staff.mfa_reset'
            AND a.actor_user_id = @issuer AND a.at > @since)
     + (SELECT count(*) FROM user_factors f WHERE f.user_id = @user_id AND f.created_by = @issuer AND f.created_by != f.user_id
            AND f.created_at > @since);
