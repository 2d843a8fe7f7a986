-- name: InsertReceipt :one
INSERT INTO receipts (session_id, user_id, number, status, currency, net_cents, vat_cents, gross_cents, issued_at)
VALUES (@session_id, @acting_as, @number, @status, @currency, @net_cents, @vat_cents, @gross_cents, @issued_at)
RETURNING id;

-- name: InsertReceiptLine :exec
INSERT INTO receipt_lines (receipt_id, position, dimension, measured_qty, billed_qty, unit_price, vat_bp, net_cents)
SELECT r.id, @position, @dimension, @measured_qty, @billed_qty, @unit_price, @vat_bp, @net_cents
FROM receipts r WHERE r.id = @receipt_id AND r.user_id = @acting_as;

-- name: GetReceipt :one
SELECT r.*, s.started_at, s.stopped_at, s.charging_ended_at, s.meter_start_wh, s.meter_stop_wh, s.tariff_snapshot,
       l.name AS location_name, cn.standard,
       CAST(coalesce((SELECT sum(f.amount_cents) FROM refunds f WHERE f.receipt_id = r.id), 0) AS INTEGER) AS refunded_cents,
       -- Where, for the receipt's OCPI CDR.
       l.id AS location_id, l.address, l.city, l.postal_code, l.latitude, l.longitude, l.time_zone, e.evse_uid, cn.id AS connector_id, cn.power_type,
       -- With which card (the CDR's token: the customer's own card).
       k.uid AS card_uid, k.contract_id AS card_contract_id
FROM receipts r
JOIN charging_sessions s ON s.id = r.session_id
JOIN ev_cards k ON k.id = s.card_id
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
JOIN locations l ON l.id = ch.location_id
WHERE r.id = @id AND r.user_id = @acting_as;

-- name: ListReceiptLines :many
SELECT rl.* FROM receipt_lines rl JOIN receipts r ON r.id = rl.receipt_id
WHERE rl.receipt_id = @receipt_id AND r.user_id = @acting_as
ORDER BY rl.position;

-- name: ListRefunds :many
-- internal_note is for the console only: the customer's receipt page does not print it.
SELECT f.id, f.amount_cents, f.reason, f.internal_note, f.credit_note_number, f.created_at FROM refunds f
WHERE f.receipt_id = @receipt_id AND f.user_id = @acting_as
ORDER BY f.created_at, f.id;
