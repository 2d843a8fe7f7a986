-- name: ListReservations :many
SELECT r.id, r.starts_at, r.ends_at, r.status, r.created_at, r.cancelled_at, r.restored_from_id,
       coalesce(r.charger_answer, '') AS charger_answer, e.evse_uid, l.name AS location_name, c.visual_number AS card_number
FROM reservations r
JOIN evses e ON e.id = r.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
JOIN ev_cards c ON c.id = r.card_id
WHERE r.user_id = @acting_as
  -- One page, newest start first, after the keyset (starts_at, id): see handlers.keysetTop.
  AND r.starts_at <= @top_at AND (r.starts_at < @top_at OR r.id < @below_id)
ORDER BY r.starts_at DESC, r.id DESC
LIMIT @page_size;

-- name: InsertReservation :one
INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, created_at)
VALUES (@acting_as, @evse_id, @card_id, @starts_at, @ends_at, 'accepted', @created_at)
RETURNING id;

-- name: CancelReservation :execrows
UPDATE reservations SET status = 'cancelled', cancelled_at = @now
WHERE id = @id AND user_id = @acting_as AND status IN ('requested', 'accepted') AND ends_at > @now;

-- name: GetReservation :one
SELECT * FROM reservations WHERE id = @id AND user_id = @acting_as;

-- name: CountOverlappingReservations :one
-- Availability only: whether any live reservation holds the EVSE in the window.
SELECT count(*) FROM reservations
WHERE evse_id = @evse_id AND status IN ('requested', 'accepted') AND starts_at < @ends_at AND ends_at > @starts_at;
