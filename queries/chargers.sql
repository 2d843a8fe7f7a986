-- name: ListOwnedChargers :many
SELECT ch.id, ch.name, ch.vendor, ch.model, ch.max_power_w, ch.last_seen_at, ch.heartbeat_interval_s,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, l.kind
FROM chargers ch JOIN locations l ON l.id = ch.location_id
WHERE ch.owner_user_id = CAST(@acting_as AS INTEGER)
ORDER BY l.name, ch.id;

-- name: ListFavouriteChargers :many
SELECT ch.id, ch.name, ch.vendor, ch.model, ch.max_power_w, ch.last_seen_at, ch.heartbeat_interval_s,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, l.kind
FROM favourite_chargers f
JOIN chargers ch ON ch.id = f.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE f.user_id = @acting_as AND (ch.owner_user_id IS NULL AND l.kind = 'public')
ORDER BY l.name, ch.id;

-- name: ListOtherPublicChargers :many
-- Public sites the customer has not marked as favourite.
SELECT ch.id, ch.name, ch.vendor, ch.model, ch.max_power_w, ch.last_seen_at, ch.heartbeat_interval_s,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, l.kind
FROM chargers ch JOIN locations l ON l.id = ch.location_id
WHERE ch.owner_user_id IS NULL AND l.kind = 'public'
  AND NOT EXISTS (SELECT 1 FROM favourite_chargers f WHERE f.charger_id = ch.id AND f.user_id = @acting_as)
ORDER BY l.name, ch.id;

-- name: GetVisibleCharger :one
-- A charger the customer may see: their own, or a public one.
SELECT ch.id, ch.name, ch.vendor, ch.model, ch.max_power_w, ch.last_seen_at, ch.heartbeat_interval_s, ch.ocpp_id,
       l.name AS location_name, l.address, CAST(trim(l.postal_code || ' ' || l.city) AS TEXT) AS city, l.kind,
       CAST(ch.owner_user_id IS NOT NULL AS INTEGER) AS owned,
       CAST(EXISTS (SELECT 1 FROM favourite_chargers f WHERE f.charger_id = ch.id AND f.user_id = @acting_as) AS INTEGER) AS favourite
FROM chargers ch JOIN locations l ON l.id = ch.location_id
WHERE ch.id = @id AND (ch.owner_user_id = CAST(@acting_as AS INTEGER) OR (ch.owner_user_id IS NULL AND l.kind = 'public'));

-- name: ListChargerConnectors :many
SELECT cn.id, cn.standard, cn.power_type, cn.max_power_w, cn.status, e.id AS evse_id, e.evse_uid,
       t.name AS tariff_name,
       CAST(EXISTS (SELECT 1 FROM charging_sessions s WHERE s.connector_id = cn.id AND s.status = 'ACTIVE') AS INTEGER) AS busy,
       CAST(coalesce((SELECT s.id FROM charging_sessions s WHERE s.connector_id = cn.id AND s.status = 'ACTIVE' AND s.user_id = @acting_as), 0) AS INTEGER) AS own_session_id
FROM connectors cn
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
JOIN tariffs t ON t.id = cn.tariff_id
WHERE ch.id = @charger_id AND (ch.owner_user_id = CAST(@acting_as AS INTEGER) OR (ch.owner_user_id IS NULL AND l.kind = 'public'))
ORDER BY e.id, cn.id;

-- name: GetStartableConnector :one
-- A connector on a charger the customer may use, with whether a session holds it.
SELECT cn.id, cn.status, cn.tariff_id, cn.max_power_w, ch.id AS charger_id,
       CAST(EXISTS (SELECT 1 FROM charging_sessions s WHERE s.connector_id = cn.id AND s.status = 'ACTIVE') AS INTEGER) AS busy
FROM connectors cn
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE cn.id = @id AND (ch.owner_user_id = CAST(@acting_as AS INTEGER) OR (ch.owner_user_id IS NULL AND l.kind = 'public'));

-- name: ListReservableEVSEs :many
SELECT e.id, e.evse_uid, l.name AS location_name, cn.standard, cn.max_power_w
FROM evses e
JOIN connectors cn ON cn.evse_id = e.id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE (ch.owner_user_id = CAST(@acting_as AS INTEGER) OR (ch.owner_user_id IS NULL AND l.kind = 'public'))
  AND cn.status NOT IN ('Faulted', 'Unavailable')
GROUP BY e.id
ORDER BY l.name, e.id;

-- name: GetReservableEVSE :one
SELECT e.id FROM evses e
JOIN connectors cn ON cn.evse_id = e.id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE e.id = @id AND (ch.owner_user_id = CAST(@acting_as AS INTEGER) OR (ch.owner_user_id IS NULL AND l.kind = 'public'))
  AND cn.status NOT IN ('Faulted', 'Unavailable')
LIMIT 1;

-- name: TouchCharger :exec
UPDATE chargers SET last_seen_at = @at WHERE id = @id;
