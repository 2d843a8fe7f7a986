-- name: LastAuthAuditHash :one
SELECT hash FROM auth_audit ORDER BY id DESC LIMIT 1;

-- name: InsertAuthAudit :one
INSERT INTO auth_audit (at, tag, actor_user_id, target_user_id, ip, user_agent, metadata, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: ListAuthAuditChain :many
-- One page of the chain in id order (audit verify walks it in pages: constant memory).
SELECT * FROM auth_audit WHERE id > @after ORDER BY id LIMIT @limit;

-- name: AuthAuditHead :one
SELECT id, hash FROM auth_audit ORDER BY id DESC LIMIT 1;

-- name: GetAuthAudit :one
SELECT * FROM auth_audit WHERE id = ?;

-- name: ImpersonationLifecycleRows :many
-- The impersonation.start, .extend and .end rows of one impersonation, in chain order.
SELECT * FROM auth_audit WHERE impersonation_id = @impersonation_id AND tag IN ('impersonation.start', 'impersonation.extend', 'impersonation.end') ORDER BY id;

-- name: StartRowsAfter :many
-- impersonation.start rows, paged, for audit verify to find starts without an impersonation.
SELECT a.id, a.impersonation_id, CAST(EXISTS (SELECT 1 FROM impersonations i WHERE i.id = a.impersonation_id) AS INTEGER) AS has_row
FROM auth_audit a WHERE a.tag = 'impersonation.start' AND a.id > @after ORDER BY a.id LIMIT @limit;

-- name: InsertCheckpoint :one
INSERT INTO audit_checkpoints (at, body, sig) VALUES (?, ?, ?) RETURNING id;

-- name: ListCheckpointsAfter :many
SELECT * FROM audit_checkpoints WHERE id > @after ORDER BY id LIMIT @limit;

-- name: LatestCheckpoint :one
SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1;

-- name: CountCheckpoints :one
SELECT count(*) FROM audit_checkpoints;

-- name: TouchHealthProbe :exec
UPDATE health_probe SET at = ? WHERE id = 1;

