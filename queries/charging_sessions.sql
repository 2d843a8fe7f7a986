-- name: ListActiveSessions :many
-- The customer's charging sessions in progress, with where they are and the newest reading.
SELECT s.id, s.started_at, s.meter_start_wh, s.connector_id,
       cn.standard, cn.power_type, cn.max_power_w, cn.status AS connector_status,
       ch.name AS charger_name, l.name AS location_name,
       m.at AS reading_at, m.energy_wh, m.power_w, m.soc_pct
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
LEFT JOIN meter_readings m ON m.id = (
    SELECT mr.id FROM meter_readings mr WHERE mr.session_id = s.id ORDER BY mr.at DESC, mr.id DESC LIMIT 1)
WHERE s.user_id = @acting_as AND s.status = 'ACTIVE'
ORDER BY s.started_at DESC;

-- name: GetSession :one
SELECT * FROM charging_sessions WHERE id = @id AND user_id = @acting_as;

-- name: LastReading :one
SELECT m.* FROM meter_readings m
JOIN charging_sessions s ON s.id = m.session_id
WHERE m.session_id = @session_id AND s.user_id = @acting_as
ORDER BY m.at DESC, m.id DESC LIMIT 1;

-- name: SessionPeakPower :one
SELECT CAST(coalesce(max(m.power_w), 0) AS INTEGER) AS peak_w FROM meter_readings m
JOIN charging_sessions s ON s.id = m.session_id
WHERE m.session_id = @session_id AND s.user_id = @acting_as;

-- name: CompleteSession :execrows
UPDATE charging_sessions
SET status = 'COMPLETED', stopped_at = @stopped_at, charging_ended_at = @charging_ended_at,
    meter_stop_wh = @meter_stop_wh, ended_by = @ended_by, stop_reason = @stop_reason
WHERE id = @id AND user_id = @acting_as AND status = 'ACTIVE';

-- name: InsertSession :one
INSERT INTO charging_sessions (user_id, connector_id, card_id, payment_method_id, status, started_at,
                               meter_start_wh, tariff_snapshot)
VALUES (@acting_as, @connector_id, @card_id, @payment_method_id, 'ACTIVE', @started_at, @meter_start_wh, @tariff_snapshot)
RETURNING id;

-- name: InsertMeterReading :exec
INSERT INTO meter_readings (session_id, at, energy_wh, power_w, soc_pct)
SELECT s.id, @at, @energy_wh, @power_w, @soc_pct FROM charging_sessions s
WHERE s.id = @session_id AND s.user_id = @acting_as;
