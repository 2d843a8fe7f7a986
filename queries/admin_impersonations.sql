
-- name: LastEndedImpersonationOf :one
-- The admin's impersonation that ended last, if it ended after @since: what the console
-- offers to go back to after Exit.
SELECT i.id, i.customer_user_id, i.ticket, i.reason, i.allow_changes, i.allow_payments, i.ended_at,
       CAST(coalesce(i.end_via, '') AS TEXT) AS end_via, u.name AS customer_name
FROM impersonations i JOIN users u ON u.id = i.customer_user_id
WHERE i.admin_user_id = @admin_user_id AND i.ended_at IS NOT NULL AND i.ended_at >= @since
ORDER BY i.ended_at DESC
LIMIT 1;
