-- Audit retention (audit/prune.go).

-- name: LatestPrune :one
-- The newest audit.prune row (verify starts each chain where it says), through auth_audit_tag.
SELECT id, metadata FROM auth_audit WHERE tag = 'audit.prune' ORDER BY id DESC LIMIT 1;

-- name: FirstAuthFrom :one
-- The first auth_audit row after row @after written at or after a moment: the rows before it
-- are the prefix old enough to prune. Walks ids from @after, so it costs what is pruned.
SELECT id FROM auth_audit WHERE id > @after AND at >= @before ORDER BY id LIMIT 1;

-- name: FirstRouteFrom :one
SELECT id FROM impersonation_audit WHERE id > @after AND at >= @before ORDER BY id LIMIT 1;

-- name: AuthHeadID :one
SELECT CAST(coalesce(max(id), 0) AS INTEGER) FROM auth_audit;

-- name: RouteHeadID :one
SELECT CAST(coalesce(max(id), 0) AS INTEGER) FROM impersonation_audit;

-- name: OldestUndeliveredEvent :one
-- The first auth_audit row whose webhook event still waits: rows from it on are kept.
SELECT CAST(coalesce(min(audit_id), 0) AS INTEGER) FROM webhook_outbox WHERE delivered_at IS NULL;

-- name: AuthRowHash :one
SELECT hash FROM auth_audit WHERE id = @id;

-- name: RouteRowHash :one
SELECT hash FROM impersonation_audit WHERE id = @id;

-- name: InsertPrune :exec
INSERT INTO audit_prunes (chain, up_to, at) VALUES (@chain, @up_to, @at);

-- name: DeleteDeliveredEventsUpTo :exec
DELETE FROM webhook_outbox WHERE audit_id <= @up_to AND delivered_at IS NOT NULL;

-- name: DeleteAuthUpTo :execrows
DELETE FROM auth_audit WHERE id <= @up_to;

-- name: DeleteRoutesUpTo :execrows
DELETE FROM impersonation_audit WHERE id <= @up_to;
