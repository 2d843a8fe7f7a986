-- name: SearchCustomers :many
-- Support search: Public ID exactly, email by prefix, name by substring, case-insensitive.
SELECT id, public_id, email, name, status, created_at FROM users
WHERE role = 'customer'
  AND (public_id = @q OR (email >= @email_from AND email < @email_to) OR instr(lower(name), lower(@q)) > 0)
ORDER BY name, id
LIMIT 50;

-- name: GetCustomerForAdmin :one
SELECT id, public_id, email, name, status, created_at FROM users
WHERE id = @acting_as AND role = 'customer';

-- name: ActiveImpersonationsOfCustomer :many
SELECT i.id, i.ticket, i.started_at, i.expires_at, i.allow_changes, a.name AS admin_name
FROM impersonations i JOIN users a ON a.id = i.admin_user_id
WHERE i.customer_user_id = @acting_as AND i.ended_at IS NULL;
