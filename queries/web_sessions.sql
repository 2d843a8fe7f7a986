-- name: GetWebSession :one
SELECT * FROM web_sessions WHERE id = ? AND expires_at > ?;

-- name: SaveWebSession :exec
INSERT INTO web_sessions (id, user_id, data, created_at, expires_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at;

-- name: DeleteWebSession :exec
DELETE FROM web_sessions WHERE id = ?;

-- name: DeleteExpiredWebSessions :execrows
DELETE FROM web_sessions WHERE expires_at <= ?;
