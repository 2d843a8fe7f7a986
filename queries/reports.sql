-- Access reports: every support access to and support action on one customer's account in a
-- period, with each row's hash so that the report can be checked against the trail.

-- name: ReportActions :many
-- auth_audit rows about the customer written by someone else (staff, or ChargeDesk itself),
-- in [from_at, to_at) up to row up_to, oldest first, through auth_audit_target (target_user_id, id).
SELECT id, at, tag, coalesce(actor_user_id, 0) AS actor_user_id, metadata, hash
FROM auth_audit
WHERE target_user_id = CAST(@acting_as AS INTEGER) AND at >= @from_at AND at < @to_at
  AND (actor_user_id IS NULL OR actor_user_id <> @acting_as) AND id <= @up_to
ORDER BY id
LIMIT @max_rows;

-- name: ReportPages :many
-- impersonation_audit rows (each request made while impersonating the customer) in
-- [from_at, to_at) up to row up_to, oldest first, through impersonation_audit_customer (customer_user_id, id).
SELECT id, impersonation_id, at, admin_user_id, method, route, path, status, outcome, hash
FROM impersonation_audit
WHERE customer_user_id = @acting_as AND at >= @from_at AND at < @to_at AND id <= @up_to
ORDER BY id
LIMIT @max_rows;

-- name: ReportImpersonations :many
-- The customer's impersonations that overlap [from_at, to_at), oldest first, with the approval
-- each one used (if any) and the colleague who gave it.
SELECT i.id, i.admin_user_id, i.ticket, i.reason, i.allow_changes, i.allow_payments, i.started_at,
       coalesce(i.ended_at, 0) AS ended_at, coalesce(i.end_via, '') AS end_via,
       CAST(coalesce((SELECT ap.approver_id FROM impersonation_approvals ap
                 WHERE ap.customer_user_id = i.customer_user_id AND ap.requester_id = i.admin_user_id
                   AND ap.used_at = i.started_at AND ap.approver_id IS NOT NULL
                 ORDER BY ap.id DESC LIMIT 1), 0) AS INTEGER) AS approver_id
FROM impersonations i
WHERE i.customer_user_id = @acting_as AND i.started_at < @to_at
  AND (i.ended_at IS NULL OR i.ended_at >= CAST(@from_at AS INTEGER))
ORDER BY i.started_at, i.id;

-- name: ReportPeople :many
-- Names and roles of the staff a report mentions (never another customer).
SELECT id, name, role FROM users WHERE id IN (sqlc.slice('ids')) AND role IN ('admin', 'support');

-- name: ReportCustomer :one
SELECT id, public_id, email, name, role FROM users WHERE id = @acting_as;
