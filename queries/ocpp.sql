-- name: GetChargerForOCPP :one
-- A charge point connecting to the OCPP endpoint, by its chargeBoxId.
SELECT id, ocpp_id, ocpp_password_sha256, heartbeat_interval_s FROM chargers WHERE ocpp_id = @ocpp_id;

-- name: ChargerBooted :exec
-- Vendor and model stay as registered (the boot's are CiString20, often shortened); the
-- firmware and the time are kept.
UPDATE chargers SET firmware = @firmware, booted_at = @at, last_seen_at = @at WHERE id = @id;

-- name: ChargerConnectorByNumber :one
-- OCPP numbers a charge point's connectors 1, 2, 3 in the order of their EVSE and id.
SELECT cn.id, cn.status, cn.tariff_id, cn.evse_id FROM connectors cn JOIN evses e ON e.id = cn.evse_id
WHERE e.charger_id = @charger_id ORDER BY e.id, cn.id LIMIT 1 OFFSET CAST(@number AS INTEGER) - 1;

-- name: ConnectorNumbers :many
-- Every connector of a charge point with its OCPP number.
SELECT cn.id, CAST(row_number() OVER (ORDER BY e.id, cn.id) AS INTEGER) AS number
FROM connectors cn JOIN evses e ON e.id = cn.evse_id WHERE e.charger_id = @charger_id
ORDER BY e.id, cn.id;

-- name: SetConnectorOCPPStatus :exec
UPDATE connectors SET status = @status, error_code = @error_code, status_at = @at WHERE id = @id;

-- name: CardByUID :one
-- The card a charge point presents (its idTag is the card's UID, case-insensitive: OCPP 1.6
-- section 7.28), with its owner's status.
SELECT c.id, c.user_id, c.status, c.visual_number, u.status AS owner_status
FROM ev_cards c JOIN users u ON u.id = c.user_id
WHERE c.uid COLLATE NOCASE = @uid;

-- name: ChargerHomeOwner :one
-- The customer whose home charger this is (0: a public charger, open to every card).
SELECT CAST(coalesce(owner_user_id, 0) AS INTEGER) FROM chargers WHERE id = @id;

-- name: SessionOnCharger :one
-- A transaction of this charge point (transactionId is the session's id).
SELECT s.id, s.user_id, s.status, s.ended_by, s.connector_id, s.station_stopped_at, s.started_at
FROM charging_sessions s JOIN connectors cn ON cn.id = s.connector_id JOIN evses e ON e.id = cn.evse_id
WHERE s.id = @id AND e.charger_id = @charger_id;

-- name: ChargerBootedAt :one
SELECT CAST(coalesce(booted_at, 0) AS INTEGER) FROM chargers WHERE id = @id;

-- name: ActiveSessionOnConnector :one
SELECT id, user_id, started_at FROM charging_sessions WHERE connector_id = @connector_id AND status = 'ACTIVE';

-- name: ActiveTransactionsOfCharger :many
-- The sessions a charge point has open, with its connector number and last meter value (a
-- simulated charge point resumes them after a restart).
SELECT s.id, s.user_id, s.connector_id, s.meter_start_wh, s.started_at,
       CAST(coalesce((SELECT r.energy_wh FROM meter_readings r WHERE r.session_id = s.id ORDER BY r.at DESC LIMIT 1), s.meter_start_wh) AS INTEGER) AS energy_wh,
       CAST(coalesce((SELECT r.soc_pct FROM meter_readings r WHERE r.session_id = s.id ORDER BY r.at DESC LIMIT 1), -1) AS INTEGER) AS soc_pct,
       CAST(coalesce((SELECT r.at FROM meter_readings r WHERE r.session_id = s.id ORDER BY r.at DESC LIMIT 1), s.started_at) AS INTEGER) AS reading_at
FROM evses e CROSS JOIN connectors cn ON cn.evse_id = e.id CROSS JOIN charging_sessions s ON s.connector_id = cn.id AND s.status = 'ACTIVE'
WHERE e.charger_id = @charger_id
ORDER BY s.id;

-- name: SetStationStop :exec
UPDATE charging_sessions SET station_stopped_at = @at, station_meter_stop_wh = @meter_stop_wh
WHERE id = @id AND user_id = @acting_as AND station_stopped_at IS NULL;

-- name: ReceiptOfSession :one
SELECT id, gross_cents, number FROM receipts WHERE session_id = @session_id AND user_id = @acting_as;

-- name: InsertOCPPLog :one
INSERT INTO ocpp_log (charger_id, at, direction, action, message) VALUES (@charger_id, @at, @direction, @action, @message)
RETURNING id;

-- name: PruneOCPPLog :exec
DELETE FROM ocpp_log WHERE ocpp_log.charger_id = @charger_id
  AND ocpp_log.id <= (SELECT o.id FROM ocpp_log o WHERE o.charger_id = @charger_id ORDER BY o.id DESC LIMIT 1 OFFSET CAST(@keep AS INTEGER));

-- name: ListOCPPLog :many
SELECT id, at, direction, action, message FROM ocpp_log WHERE charger_id = @charger_id ORDER BY id DESC LIMIT @page_size;

-- name: SetChargerPassword :exec
UPDATE chargers SET ocpp_password_sha256 = @sha256 WHERE id = @id;

-- name: ListChargersForConsole :many
SELECT ch.id, ch.ocpp_id, ch.name, ch.vendor, ch.model, ch.max_power_w, ch.firmware, ch.last_seen_at, ch.booted_at, ch.heartbeat_interval_s,
       CAST(ch.ocpp_password_sha256 <> '' AS INTEGER) AS has_password,
       l.name AS location_name, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, coalesce(u.name, '') AS owner_name, coalesce(u.id, 0) AS owner_id,
       CAST((SELECT count(*) FROM connectors cn JOIN evses e ON e.id = cn.evse_id WHERE e.charger_id = ch.id AND cn.status = 'Faulted') AS INTEGER) AS faulted
FROM chargers ch JOIN locations l ON l.id = ch.location_id LEFT JOIN users u ON u.id = ch.owner_user_id
WHERE ch.id > @after
ORDER BY ch.id LIMIT @page_size;

-- name: GetChargerForConsole :one
SELECT ch.id, ch.ocpp_id, ch.name, ch.vendor, ch.model, ch.firmware, ch.max_power_w, ch.last_seen_at, ch.booted_at, ch.heartbeat_interval_s, ch.clock_note,
       CAST(ch.ocpp_password_sha256 <> '' AS INTEGER) AS has_password,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, coalesce(u.name, '') AS owner_name, coalesce(u.id, 0) AS owner_id
FROM chargers ch JOIN locations l ON l.id = ch.location_id LEFT JOIN users u ON u.id = ch.owner_user_id
WHERE ch.id = @id;

-- name: ListConnectorsForConsole :many
SELECT cn.id, cn.standard, cn.power_type, cn.max_power_w, cn.status, cn.error_code, cn.status_at, e.evse_uid,
       CAST(coalesce((SELECT s.id FROM charging_sessions s WHERE s.connector_id = cn.id AND s.status = 'ACTIVE'), 0) AS INTEGER) AS active_session_id
FROM connectors cn JOIN evses e ON e.id = cn.evse_id WHERE e.charger_id = @charger_id
ORDER BY e.id, cn.id;

-- name: ListConnectorSessionsForConsole :many
-- One connector's last sessions with the drivers' names, newest first (the charger's page
-- merges its connectors' lists).
SELECT s.id, s.user_id, u.name AS customer_name, s.status, s.started_at, s.stopped_at, s.ended_by
FROM charging_sessions s CROSS JOIN users u ON u.id = s.user_id
WHERE s.connector_id = @connector_id
ORDER BY s.started_at DESC, s.id DESC LIMIT @page_size;

-- name: ChargerOCPPID :one
SELECT ocpp_id FROM chargers WHERE id = @id;

-- name: SessionCharger :one
-- The charge point a session runs on (its OCPP id), for a call to it.
SELECT ch.id, ch.ocpp_id FROM charging_sessions s JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id JOIN chargers ch ON ch.id = e.charger_id
WHERE s.id = @id AND s.user_id = @acting_as;

-- name: DueReservations :many
-- Reservations whose window has started and that their charger has not been asked to hold
-- (ReserveNow), with what the call needs: the charger, the EVSE's first connector's number,
-- the card's UID.
SELECT r.id, r.user_id, r.ends_at, c.uid, ch.id AS charger_id, ch.ocpp_id,
       CAST((SELECT count(*) FROM connectors cn2 JOIN evses e2 ON e2.id = cn2.evse_id
             WHERE e2.charger_id = ch.id AND (e2.id < e.id OR (e2.id = e.id AND cn2.id <= (SELECT min(id) FROM connectors WHERE evse_id = e.id)))) AS INTEGER) AS connector_number
FROM reservations r
JOIN evses e ON e.id = r.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN ev_cards c ON c.id = r.card_id
WHERE r.status = 'accepted' AND r.charger_answer IS NULL AND r.starts_at <= @now AND r.ends_at > @now
ORDER BY r.starts_at LIMIT 100;

-- name: SetReservationAnswer :exec
UPDATE reservations SET charger_answer = @answer, charger_answer_at = @at WHERE id = @id AND user_id = @acting_as;

-- name: ReservationCharger :one
-- The charger holding a reservation (for CancelReservation).
SELECT ch.id, ch.ocpp_id, coalesce(r.charger_answer, '') AS charger_answer, r.ends_at FROM reservations r
JOIN evses e ON e.id = r.evse_id JOIN chargers ch ON ch.id = e.charger_id
WHERE r.id = @id AND r.user_id = @acting_as;

-- name: UseReservation :exec
-- A StartTransaction that names a reservation of the same card uses it.
UPDATE reservations SET status = 'used' WHERE id = @id AND user_id = @acting_as AND card_id = @card_id AND status = 'accepted';

-- name: SameStart :one
-- Whether an open session is the one a resent StartTransaction describes.
SELECT count(*) FROM charging_sessions
WHERE id = @id AND user_id = @acting_as AND card_id = @card_id AND meter_start_wh = @meter_start_wh AND started_at = @started_at AND status = 'ACTIVE';

-- name: ListLocationsForConsole :many
SELECT id, name, city, kind FROM locations ORDER BY name, id LIMIT 500;

-- name: GetLocationKind :one
SELECT kind FROM locations WHERE id = @id;

-- name: CustomerIDByEmail :one
SELECT id FROM users WHERE email = @email AND role = 'customer';

-- name: InsertCharger :one
INSERT INTO chargers (location_id, owner_user_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, ocpp_password_sha256)
VALUES (@location_id, @owner_user_id, @ocpp_id, @name, @vendor, @model, @max_power_w, @heartbeat_interval_s, @ocpp_password_sha256)
RETURNING id;

-- name: InsertEVSE :one
INSERT INTO evses (charger_id, evse_uid) VALUES (@charger_id, @evse_uid) RETURNING id;

-- name: InsertConnector :exec
INSERT INTO connectors (evse_id, standard, power_type, max_power_w, tariff_id) VALUES (@evse_id, @standard, @power_type, @max_power_w, @tariff_id);

-- name: TariffExists :one
SELECT count(*) FROM tariffs WHERE id = @id;

-- name: LatestCallAnswer :one
-- The newest answer (or note) the charge point's protocol log holds for an admin's call.
SELECT id FROM ocpp_log WHERE charger_id = @charger_id AND direction IN ('in', 'note') AND action IN ('UnlockConnector', 'Reset')
ORDER BY id DESC LIMIT 1;

-- name: GetOCPPLogEntry :one
SELECT id, at, direction, action, message FROM ocpp_log WHERE id = @id AND charger_id = @charger_id;
