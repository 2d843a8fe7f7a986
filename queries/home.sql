-- name: CustomerCounts :one
SELECT
    -- Bounded: past 10 000 the page says "10 000+" instead of counting a fleet's history.
    (SELECT count(*) FROM (SELECT 1 FROM charging_sessions s WHERE s.user_id = @acting_as LIMIT 10001)) AS sessions,
    (SELECT count(*) FROM chargers c WHERE c.owner_user_id = @acting_as) +
    (SELECT count(*) FROM favourite_chargers f WHERE f.user_id = @acting_as) AS chargers,
    (SELECT count(*) FROM ev_cards e WHERE e.user_id = @acting_as AND e.status = 'active') AS active_cards;
