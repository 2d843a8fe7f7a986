-- name: AdminListReceipts :many
SELECT r.id, r.number, r.status, r.gross_cents, r.issued_at, r.session_id,
       CAST(coalesce((SELECT sum(f.amount_cents) FROM refunds f WHERE f.receipt_id = r.id), 0) AS INTEGER) AS refunded_cents
FROM receipts r
WHERE r.user_id = @acting_as
  -- One upper bound (handlers.keysetTop): a page of the (user_id, issued_at, id) index.
  AND r.issued_at <= @top_at AND (r.issued_at < @top_at OR r.id < @below_id)
ORDER BY r.issued_at DESC, r.id DESC
LIMIT @page_size;

-- name: AdminListRefunds :many
SELECT f.id, f.receipt_id, f.amount_cents, f.reason, f.internal_note, f.reference, f.credit_note_number, f.created_at
FROM refunds f
WHERE f.user_id = @acting_as AND f.created_at <= @top_at AND (f.created_at < @top_at OR f.id < @below_id)
ORDER BY f.created_at DESC, f.id DESC
LIMIT @page_size;

-- name: GetReceiptForRefund :one
SELECT r.id, r.number, r.gross_cents, r.user_id,
       CAST(coalesce((SELECT sum(f.amount_cents) FROM refunds f WHERE f.receipt_id = r.id), 0) AS INTEGER) AS refunded_cents
FROM receipts r WHERE r.id = @id AND r.user_id = @acting_as;

-- name: InsertRefund :one
INSERT INTO refunds (receipt_id, user_id, amount_cents, reason, internal_note, reference, credit_note_number, created_by_user_id, created_at)
VALUES (@receipt_id, @acting_as, @amount_cents, @reason, @internal_note, @reference, @credit_note_number, @created_by_user_id, @created_at)
RETURNING id;

-- name: NextCreditNoteSerial :one
SELECT CAST(count(*) + 1 AS INTEGER) FROM refunds;

-- name: RestoredCopyOf :one
SELECT count(*) FROM reservations WHERE restored_from_id = @id AND user_id = @acting_as;

-- name: InsertRestoredReservation :one
INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, restored_from_id, created_at)
VALUES (@acting_as, @evse_id, @card_id, @starts_at, @ends_at, 'accepted', @restored_from_id, @created_at)
RETURNING id;

-- name: ReplaceCard :execrows
UPDATE ev_cards SET status = 'replaced', replaced_by_id = @replaced_by_id
WHERE id = @id AND user_id = @acting_as AND status IN ('active', 'blocked', 'lost');

-- name: InsertReissuedCard :one
INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, label, status, created_at)
VALUES (@acting_as, @visual_number, @uid, @contract_id, @label, 'active', @created_at)
RETURNING id;

-- name: GetSessionForForceStop :one
SELECT s.id, s.status, s.started_at, cn.status AS connector_status, ch.last_seen_at, ch.heartbeat_interval_s,
       CAST(coalesce((SELECT max(m.at) FROM meter_readings m WHERE m.session_id = s.id), 0) AS INTEGER) AS last_reading_at
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
WHERE s.id = @id AND s.user_id = @acting_as;

-- name: CustomerOpenSessions :many
-- The customer's sessions still open, with what says whether they are stuck (a customer has
-- a handful at most; bounded anyway).
SELECT s.id, s.started_at, cn.status AS connector_status, ch.last_seen_at, ch.heartbeat_interval_s,
       CAST(coalesce((SELECT m.at FROM meter_readings m WHERE m.session_id = s.id ORDER BY m.at DESC LIMIT 1), 0) AS INTEGER) AS last_reading_at
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id
JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id
WHERE s.user_id = @acting_as AND s.status = 'ACTIVE'
ORDER BY s.started_at DESC
LIMIT 20;

-- name: AccountAlertCounts :one
-- What the customer's admin page sums up at its top, each count through an index and bounded.
SELECT
    (SELECT count(*) FROM ev_cards c WHERE c.user_id = @acting_as AND c.status = 'blocked') AS blocked_cards,
    (SELECT count(*) FROM ev_cards c WHERE c.user_id = @acting_as AND c.status = 'lost') AS lost_cards,
    (SELECT count(*) FROM (SELECT 1 FROM reservations r WHERE r.user_id = @acting_as AND r.starts_at > @now AND r.status = 'accepted' LIMIT 100)) AS upcoming_reservations,
    CAST(coalesce((SELECT min(r.starts_at) FROM reservations r WHERE r.user_id = @acting_as AND r.starts_at > @now AND r.status = 'accepted'), 0) AS INTEGER) AS next_reservation_at,
    (SELECT count(*) FROM (SELECT 1 FROM impersonations i WHERE i.customer_user_id = @acting_as AND i.started_at >= @since LIMIT 100)) AS recent_impersonations,
    CAST(coalesce((SELECT max(i.started_at) FROM impersonations i WHERE i.customer_user_id = @acting_as), 0) AS INTEGER) AS last_impersonation_at,
    (SELECT count(*) FROM (SELECT 1 FROM auth_audit a WHERE a.actor_user_id = @acting_as AND a.tag = 'privilege_violation' AND a.at >= @since LIMIT 100)) AS recent_violations;
