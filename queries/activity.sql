-- name: InsertActivity :exec
INSERT INTO activity (user_id, at, kind, summary, actor_role) VALUES (@acting_as, @at, @kind, @summary, @actor_role);

-- name: ListActivity :many
-- The customer's history: their own changes, admin fixes, sessions and receipts, newest first.
SELECT at, kind, summary, actor_role, ref_id FROM (
    SELECT a.at, a.kind, a.summary, a.actor_role, CAST(0 AS INTEGER) AS ref_id FROM activity a WHERE a.user_id = @acting_as
    UNION ALL
    SELECT s.started_at, 'session', 'Started charging at ' || l.name, 'customer', s.id
    FROM charging_sessions s
    JOIN connectors cn ON cn.id = s.connector_id JOIN evses e ON e.id = cn.evse_id
    JOIN chargers ch ON ch.id = e.charger_id JOIN locations l ON l.id = ch.location_id
    WHERE s.user_id = @acting_as
    UNION ALL
    SELECT r.issued_at, 'receipt', 'Receipt ' || r.number || ' issued', 'system', r.id FROM receipts r WHERE r.user_id = @acting_as
)
ORDER BY at DESC
LIMIT @max_rows;
