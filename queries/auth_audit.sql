-- name: LastAuthAuditHash :one
SELECT hash FROM auth_audit ORDER BY id DESC LIMIT 1;

-- name: InsertAuthAudit :one
INSERT INTO auth_audit (at, tag, actor_user_id, target_user_id, ip, user_agent, metadata, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: CountRecentLoginFailures :one
-- Failed logins for one IP and email since a moment: the login rate limit.
SELECT count(*) FROM auth_audit
WHERE tag = 'login.failure' AND ip = @ip AND at >= @since
  AND json_extract(metadata, '$.email') = @email;

-- name: ListAuthAuditChain :many
SELECT * FROM auth_audit ORDER BY id;
