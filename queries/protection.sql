-- name: SetProtectedReason :execrows
-- Marks a customer protected (a reason) or not (empty).
UPDATE users SET protected_reason = @reason WHERE id = @id AND role = 'customer';

-- name: ActiveSupportGrant :one
-- The customer's grant in force at now, if any.
SELECT id, expires_at FROM support_grants
WHERE customer_user_id = @acting_as AND revoked_at IS NULL AND expires_at > @now
ORDER BY expires_at DESC LIMIT 1;

-- name: InsertSupportGrant :exec
INSERT INTO support_grants (customer_user_id, granted_at, expires_at) VALUES (@acting_as, @granted_at, @expires_at);

-- name: RevokeSupportGrants :execrows
UPDATE support_grants SET revoked_at = @now
WHERE customer_user_id = @acting_as AND revoked_at IS NULL AND expires_at > @now;

-- name: OpenApproval :one
-- The requester's newest unused, unexpired approval request for a customer.
SELECT * FROM impersonation_approvals
WHERE requester_id = @requester_id AND customer_user_id = @customer_user_id AND used_at IS NULL AND expires_at > @now
ORDER BY id DESC LIMIT 1;

-- name: InsertApproval :one
INSERT INTO impersonation_approvals (customer_user_id, requester_id, ticket, reason, allow_changes, requested_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *;

-- name: GetApproval :one
SELECT * FROM impersonation_approvals WHERE id = ?;

-- name: ApproveApproval :execrows
UPDATE impersonation_approvals SET approver_id = @approver_id, approved_at = @now, expires_at = @expires_at
WHERE id = @id AND approved_at IS NULL AND used_at IS NULL AND expires_at > @now AND requester_id <> @approver_id;

-- name: UseApproval :execrows
UPDATE impersonation_approvals SET used_at = @now
WHERE id = @id AND approved_at IS NOT NULL AND used_at IS NULL AND expires_at > @now;

-- name: PendingApprovals :many
-- Requests waiting for a second staff member, oldest first, with names (the dashboard).
SELECT a.id, a.ticket, a.reason, a.allow_changes, a.requested_at, a.expires_at, a.requester_id, a.customer_user_id,
       r.name AS requester_name, c.name AS customer_name, c.protected_reason
FROM impersonation_approvals a
JOIN users r ON r.id = a.requester_id
JOIN users c ON c.id = a.customer_user_id
WHERE a.approved_at IS NULL AND a.used_at IS NULL AND a.expires_at > @now
ORDER BY a.id LIMIT 20;

-- name: CountApprovalsFor :one
-- How many requests wait for someone other than their requester: the console nav's badge.
-- Through the partial index of pending requests, so its cost is the pending ones.
SELECT CAST(count(*) AS INTEGER) FROM impersonation_approvals a
WHERE a.approved_at IS NULL AND a.used_at IS NULL AND a.expires_at > @now AND a.requester_id <> @viewer;

-- name: GetApprovalForRequester :one
-- A request as its requester's waiting page shows it: the customer and who approved it.
SELECT a.id, a.customer_user_id, a.ticket, a.reason, a.allow_changes, a.requested_at, a.approved_at, a.expires_at, a.used_at,
       c.name AS customer_name, c.protected_reason, CAST(coalesce(p.name, '') AS TEXT) AS approver_name
FROM impersonation_approvals a
JOIN users c ON c.id = a.customer_user_id
LEFT JOIN users p ON p.id = a.approver_id
WHERE a.id = @id AND a.requester_id = @requester_id;
