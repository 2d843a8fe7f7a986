-- name: ListActiveSessions :many
-- The customer's charging sessions in progress, with where they are and the newest reading.
SELECT s.id, s.started_at, s.meter_start_wh, s.connector_id,
       cn.standard, cn.power_type, cn.max_power_w, cn.status AS connector_status,
       ch.name AS charger_name, ch.last_seen_at, ch.heartbeat_interval_s, l.name AS location_name,
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

-- name: SessionTimeZone :one
-- The time zone of the location a session is at: tariffs mean its local time.
SELECT l.time_zone FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE s.id = @session_id AND s.user_id = @acting_as;

-- name: CompleteSession :execrows
UPDATE charging_sessions
SET status = 'COMPLETED', stopped_at = @stopped_at, charging_ended_at = @charging_ended_at,
    meter_stop_wh = @meter_stop_wh, ended_by = @ended_by, stop_reason = @stop_reason,
    held_reason = @held_reason, clock_note = CASE WHEN @clock_note = '' THEN clock_note ELSE @clock_note END
WHERE id = @id AND user_id = @acting_as AND status = 'ACTIVE';

-- name: NoteSessionClock :exec
-- A timestamp of the charger's for this session was not believed (the first note stays).
UPDATE charging_sessions SET clock_note = @clock_note WHERE id = @id AND user_id = @acting_as AND clock_note = '';

-- name: NoteChargerClock :exec
UPDATE chargers SET clock_note = @clock_note WHERE id = @id;

-- name: ConnectorForStop :one
-- What a stop needs of the session's connector: its maximum power (for the plausibility of
-- the energy) and the status the charger last reported, with when.
SELECT cn.max_power_w, cn.status, cn.status_at FROM connectors cn
JOIN charging_sessions s ON s.connector_id = cn.id
WHERE s.id = @session_id AND s.user_id = @acting_as;

-- name: ReleaseHeldSession :execrows
UPDATE charging_sessions SET held_outcome = 'released', meter_stop_wh = @meter_stop_wh, charging_ended_at = @charging_ended_at
WHERE id = @id AND user_id = @acting_as AND status = 'COMPLETED' AND held_reason <> '' AND held_outcome = '';

-- name: VoidHeldSession :execrows
UPDATE charging_sessions SET held_outcome = 'voided', status = 'INVALID'
WHERE id = @id AND user_id = @acting_as AND status = 'COMPLETED' AND held_reason <> '' AND held_outcome = '';

-- name: HeldSessions :many
-- A customer's sessions held for review (no receipt until an admin releases or voids them).
SELECT id, started_at, stopped_at, meter_start_wh, meter_stop_wh, held_reason, clock_note FROM charging_sessions
WHERE user_id = @acting_as AND held_reason <> '' AND held_outcome = '' ORDER BY id;

-- name: InsertSession :one
INSERT INTO charging_sessions (user_id, connector_id, card_id, payment_method_id, status, started_at,
                               meter_start_wh, tariff_snapshot)
VALUES (@acting_as, @connector_id, @card_id, @payment_method_id, 'ACTIVE', @started_at, @meter_start_wh, @tariff_snapshot)
RETURNING id;

-- name: InsertMeterReading :exec
INSERT INTO meter_readings (session_id, at, energy_wh, power_w, soc_pct, current_ma, power_known)
SELECT s.id, @at, @energy_wh, @power_w, @soc_pct, @current_ma, @power_known FROM charging_sessions s
WHERE s.id = @session_id AND s.user_id = @acting_as;

-- name: ListSessions :many
-- One page of the customer's sessions, newest first, filtered by status and start window,
-- after the keyset cursor (started_at, id).
SELECT s.id, s.status, s.started_at, s.stopped_at, s.meter_start_wh, s.meter_stop_wh,
       cn.standard, cn.power_type, l.name AS location_name,
       CAST(coalesce(r.id, 0) AS INTEGER) AS receipt_id, CAST(coalesce(r.gross_cents, 0) AS INTEGER) AS gross_cents,
       -- A finished session has its stop value; an active one its newest reading (the meter only
       -- counts up), found through the (session_id, at) index without reading the others.
       CAST(coalesce(s.meter_stop_wh,
           (SELECT m.energy_wh FROM meter_readings m WHERE m.session_id = s.id ORDER BY m.at DESC LIMIT 1),
           s.meter_start_wh) AS INTEGER) AS last_energy_wh
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
LEFT JOIN receipts r ON r.session_id = s.id
WHERE s.user_id = @acting_as
  AND (s.status = @status OR CAST(@status AS TEXT) = '')
  -- One upper bound (see handlers.keysetTop): the range's end or the keyset, the earlier.
  AND s.started_at >= @from_at AND s.started_at <= @top_at
  AND (s.started_at < @top_at OR s.id < @below_id)
ORDER BY s.started_at DESC, s.id DESC
LIMIT @page_size;

-- name: GetSessionDetail :one
SELECT s.*, cn.standard, cn.power_type, cn.max_power_w, cn.status AS connector_status,
       ch.id AS charger_id, ch.name AS charger_name, ch.last_seen_at, ch.heartbeat_interval_s,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, l.time_zone,
       c.visual_number AS card_number,
       CAST(coalesce(r.id, 0) AS INTEGER) AS receipt_id
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
JOIN ev_cards c ON c.id = s.card_id
LEFT JOIN receipts r ON r.session_id = s.id
WHERE s.id = @id AND s.user_id = @acting_as;

-- name: ListReadings :many
SELECT m.at, m.energy_wh, m.power_w, m.soc_pct, m.current_ma, m.power_known FROM meter_readings m
JOIN charging_sessions s ON s.id = m.session_id
WHERE m.session_id = @session_id AND s.user_id = @acting_as
ORDER BY m.at, m.id;

-- name: CardInActiveSession :one
SELECT count(*) FROM charging_sessions WHERE card_id = @card_id AND user_id = @acting_as AND status = 'ACTIVE';


-- name: SessionClockNotes :many
-- A customer's latest sessions whose charger's clock was found wrong (since, at most 3).
SELECT id, started_at, clock_note FROM charging_sessions
WHERE user_id = @acting_as AND clock_note <> '' AND started_at > @since
ORDER BY started_at DESC LIMIT 3;
