-- name: ListActiveImpersonations :many
SELECT i.id, i.ticket, i.started_at, i.expires_at, i.allow_changes, i.admin_user_id, i.customer_user_id,
       a.name AS admin_name, c.name AS customer_name, c.public_id AS customer_public_id
FROM impersonations i
JOIN users a ON a.id = i.admin_user_id
JOIN users c ON c.id = i.customer_user_id
WHERE i.ended_at IS NULL
ORDER BY i.started_at DESC;

-- name: RecentPrivilegeViolations :many
SELECT v.id, v.at, v.actor_user_id, v.ip, v.metadata, CAST(coalesce(u.name, '') AS TEXT) AS actor_name
FROM auth_audit v LEFT JOIN users u ON u.id = v.actor_user_id
WHERE v.tag = 'privilege_violation'
ORDER BY v.id DESC
LIMIT 10;

-- name: ListActiveSessionsPlatform :many
-- Every session charging or stuck across the network, for the stuck-session board.
SELECT s.id, s.user_id, s.started_at, cn.status AS connector_status, ch.last_seen_at, ch.heartbeat_interval_s,
       l.name AS location_name, u.name AS customer_name,
       CAST(coalesce((SELECT max(m.at) FROM meter_readings m WHERE m.session_id = s.id), 0) AS INTEGER) AS last_reading_at
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
JOIN users u ON u.id = s.user_id
WHERE s.status = 'ACTIVE'
ORDER BY s.started_at;

-- name: ConsoleCounts :one
SELECT
    (SELECT count(*) FROM users WHERE role = 'customer') AS customers,
    (SELECT count(*) FROM charging_sessions WHERE status = 'ACTIVE') AS active_sessions,
    (SELECT count(*) FROM impersonations i WHERE i.started_at >= @since) AS impersonations_today;
