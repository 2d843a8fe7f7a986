-- name: GetWebSession :one
SELECT * FROM web_sessions WHERE id = ? AND expires_at > ?;

-- name: SaveWebSession :exec
-- id is the SHA-256 of the session id the cookie carries, never the id itself.
INSERT INTO web_sessions (id, user_id, data, created_at, expires_at, last_seen_at)
VALUES (@id, @user_id, @data, @created_at, @expires_at, @created_at)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at;

-- name: DeleteWebSession :exec
DELETE FROM web_sessions WHERE id = ?;

-- name: DeleteExpiredWebSessions :execrows
DELETE FROM web_sessions WHERE expires_at <= ?;

-- name: TouchWebSession :exec
UPDATE web_sessions SET last_seen_at = ? WHERE id = ?;
