-- name: CustomerCounts :one
SELECT
    (SELECT count(*) FROM charging_sessions s WHERE s.user_id = @acting_as) AS sessions,
    (SELECT count(*) FROM chargers c WHERE c.owner_user_id = @acting_as) +
    (SELECT count(*) FROM favourite_chargers f WHERE f.user_id = @acting_as) AS chargers,
    (SELECT count(*) FROM ev_cards e WHERE e.user_id = @acting_as AND e.status = 'active') AS active_cards;
