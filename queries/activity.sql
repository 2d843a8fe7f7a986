-- name: InsertActivity :exec
INSERT INTO activity (user_id, at, kind, summary, actor_role) VALUES (@acting_as, @at, @kind, @summary, @actor_role);

-- name: ListActivity :many
-- The customer's history: their own changes, admin fixes, sessions and receipts, newest first.
-- Each branch takes only its newest rows through its (user, time) index, so the cost is the
-- page, not the history.
SELECT at, kind, summary, actor_role, ref_id FROM (
    SELECT * FROM (SELECT a.at, a.kind, a.summary, a.actor_role, CAST(0 AS INTEGER) AS ref_id
        FROM activity a WHERE a.user_id = @acting_as ORDER BY a.at DESC LIMIT @max_rows)
    UNION ALL
    SELECT * FROM (SELECT s.started_at AS at, 'session' AS kind, 'Started charging at ' || l.name AS summary, 'customer' AS actor_role, s.id AS ref_id
        FROM charging_sessions s
        JOIN connectors cn ON cn.id = s.connector_id JOIN evses e ON e.id = cn.evse_id
        JOIN chargers ch ON ch.id = e.charger_id JOIN locations l ON l.id = ch.location_id
        WHERE s.user_id = @acting_as ORDER BY s.started_at DESC LIMIT @max_rows)
    UNION ALL
    SELECT * FROM (SELECT r.issued_at AS at, 'receipt' AS kind, 'Receipt ' || r.number || ' issued' AS summary, 'system' AS actor_role, r.id AS ref_id
        FROM receipts r WHERE r.user_id = @acting_as ORDER BY r.issued_at DESC LIMIT @max_rows)
)
ORDER BY at DESC
LIMIT @max_rows;
