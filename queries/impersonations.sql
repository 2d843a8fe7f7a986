-- name: StartImpersonation :one
INSERT INTO impersonations (admin_user_id, customer_user_id, ticket, reason, allow_changes, allow_payments, started_at, expires_at)
VALUES (@admin_user_id, @customer_user_id, @ticket, @reason, @allow_changes, @allow_payments, @started_at, @expires_at)
RETURNING *;

-- name: ActiveImpersonationOf :one
-- The caller's own active impersonation, if any.
SELECT * FROM impersonations WHERE admin_user_id = @admin_user_id AND ended_at IS NULL;

-- name: EndImpersonation :execrows
-- Ends an active impersonation. end_audit_id is its impersonation.end row, written in the same
-- transaction; NULL only when that row could not be written (it is then owed: see below).
UPDATE impersonations SET ended_at = @ended_at, end_via = @end_via, end_audit_id = sqlc.narg(end_audit_id)
WHERE id = @id AND ended_at IS NULL;

-- name: ListUnrecordedEnds :many
-- Ended impersonations whose impersonation.end row is still owed.
SELECT * FROM impersonations WHERE ended_at IS NOT NULL AND end_audit_id IS NULL ORDER BY id LIMIT 100;

-- name: RecordEndAudit :execrows
UPDATE impersonations SET end_audit_id = @end_audit_id
WHERE id = @id AND ended_at IS NOT NULL AND end_audit_id IS NULL;

-- name: GetImpersonationByID :one
SELECT * FROM impersonations WHERE id = ?;

-- name: ListActiveImpersonationsForSweep :many
-- Every active impersonation with what the end rule needs: its admin's and customer's role and
-- status (NULL when the customer is gone) and its last request.
SELECT i.id, i.admin_user_id, i.customer_user_id, i.ticket, i.allow_changes, i.started_at, i.expires_at,
       a.role AS admin_role, a.status AS admin_status,
       CAST(coalesce(c.role, '') AS TEXT) AS customer_role, CAST(coalesce(c.status, '') AS TEXT) AS customer_status,
       CAST(coalesce((SELECT max(r.at) FROM impersonation_audit r WHERE r.impersonation_id = i.id), i.started_at) AS INTEGER) AS last_activity
FROM impersonations i
JOIN users a ON a.id = i.admin_user_id
LEFT JOIN users c ON c.id = i.customer_user_id
WHERE i.ended_at IS NULL;

-- name: GetImpersonationTarget :one
-- The user an admin asks to impersonate, before any impersonation exists.
SELECT id, public_id, name, role, status, protected_reason FROM users WHERE id = ?;

-- name: GetImpersonatedCustomer :one
SELECT id, public_id, name, email, role, status FROM users WHERE id = @acting_as;

-- name: ListSupportAccess :many
SELECT i.id, i.ticket, i.started_at, i.ended_at, i.allow_changes FROM impersonations i
WHERE i.customer_user_id = @acting_as
ORDER BY i.started_at DESC
LIMIT 100;

-- name: LastImpersonationAuditHash :one
SELECT hash FROM impersonation_audit ORDER BY id DESC LIMIT 1;

-- name: InsertImpersonationAudit :one
INSERT INTO impersonation_audit (impersonation_id, at, admin_user_id, customer_user_id, method, route, path, status, outcome, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: RecentRouteAudit :one
-- Whether this concrete path was already recorded for the impersonation since a moment.
SELECT count(*) FROM impersonation_audit
WHERE impersonation_id = @impersonation_id AND method = @method AND path = @path AND at > @since;

-- name: ListImpersonationAuditChain :many
-- One page of the chain in id order (audit verify walks it in pages: constant memory).
SELECT * FROM impersonation_audit WHERE id > @after ORDER BY id LIMIT @limit;

-- name: ImpersonationAuditHead :one
SELECT id, hash FROM impersonation_audit ORDER BY id DESC LIMIT 1;

-- name: ListImpersonationsAfter :many
-- One page of impersonations with their start and end rows, for audit verify.
SELECT i.*,
       CAST(coalesce((SELECT count(*) FROM auth_audit s WHERE s.impersonation_id = i.id AND s.tag = 'impersonation.start'), 0) AS INTEGER) AS start_rows,
       CAST(coalesce((SELECT count(*) FROM auth_audit e WHERE e.impersonation_id = i.id AND e.tag = 'impersonation.end'), 0) AS INTEGER) AS end_rows
FROM impersonations i WHERE i.id > @after ORDER BY i.id LIMIT @limit;

-- name: ActiveImpersonationForCheck :one
-- The admin's active impersonation with what the end rule needs (as the sweep reads it).
SELECT i.id, i.admin_user_id, i.customer_user_id, i.ticket, i.allow_changes, i.started_at, i.expires_at,
       a.role AS admin_role, a.status AS admin_status,
       CAST(coalesce(c.role, '') AS TEXT) AS customer_role, CAST(coalesce(c.status, '') AS TEXT) AS customer_status,
       CAST(coalesce((SELECT max(r.at) FROM impersonation_audit r WHERE r.impersonation_id = i.id), i.started_at) AS INTEGER) AS last_activity
FROM impersonations i
JOIN users a ON a.id = i.admin_user_id
LEFT JOIN users c ON c.id = i.customer_user_id
WHERE i.admin_user_id = @admin_user_id AND i.ended_at IS NULL;

-- name: ExtendImpersonation :execrows
-- Moves an active impersonation's end later (never earlier; the trigger holds that too).
UPDATE impersonations SET expires_at = @expires_at
WHERE id = @id AND ended_at IS NULL AND expires_at < @expires_at;

-- name: GetImpersonationSwitch :one
-- The kill switch: whether impersonation is on, and who changed it last, when and why.
SELECT s.enabled, s.reason, s.changed_at, CAST(coalesce(s.changed_by, 0) AS INTEGER) AS changed_by,
       CAST(coalesce(u.name, '') AS TEXT) AS changed_by_name
FROM impersonation_switch s LEFT JOIN users u ON u.id = s.changed_by
WHERE s.id = 1;

-- name: SetImpersonationSwitch :exec
UPDATE impersonation_switch SET enabled = @enabled, reason = @reason, changed_by = @changed_by, changed_at = @changed_at
WHERE id = 1;

-- name: CountActiveImpersonations :one
-- For /metrics: how many impersonations are open now.
SELECT count(*) FROM impersonations WHERE ended_at IS NULL;
