-- name: CustomerCounts :one
SELECT
    -- Kept by triggers (migration 0008): one row, whatever the size of a fleet's history.
    CAST(coalesce((SELECT n.sessions FROM user_session_counts n WHERE n.user_id = @acting_as), 0) AS INTEGER) AS sessions,
    (SELECT count(*) FROM chargers c WHERE c.owner_user_id = @acting_as) +
    (SELECT count(*) FROM favourite_chargers f WHERE f.user_id = @acting_as) AS chargers,
    (SELECT count(*) FROM ev_cards e WHERE e.user_id = @acting_as AND e.status = 'active') AS active_cards;
