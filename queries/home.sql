-- name: CustomerSummary :one
-- The top of the customer's home page in one read: who they are and how much they have.
SELECT u.public_id, u.email, u.name,
    -- Kept by triggers (migration 0008): one row, whatever the size of a fleet's history.
    CAST(coalesce((SELECT n.sessions FROM user_session_counts n WHERE n.user_id = u.id), 0) AS INTEGER) AS sessions,
    (SELECT count(*) FROM chargers c WHERE c.owner_user_id = u.id) +
    (SELECT count(*) FROM favourite_chargers f WHERE f.user_id = u.id) AS chargers,
    (SELECT count(*) FROM ev_cards e WHERE e.user_id = u.id AND e.status = 'active') AS active_cards
FROM users u
WHERE u.id = @acting_as AND u.role = 'customer';
