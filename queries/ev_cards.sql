-- name: ListCardsPage :many
-- One page of the customer's EV cards, newest first (ids grow with time), below the keyset id.
SELECT c.id, c.visual_number, c.contract_id, c.label, c.status, c.created_at,
       CAST(coalesce(n.visual_number, '') AS TEXT) AS replaced_by_number
FROM ev_cards c LEFT JOIN ev_cards n ON n.id = c.replaced_by_id
WHERE c.user_id = @acting_as AND c.id < @below_id
ORDER BY c.id DESC
LIMIT @page_size;

-- name: ListCards :many
-- All the customer's cards, active first (the choice of card when starting or reserving).
SELECT c.id, c.visual_number, c.contract_id, c.label, c.status, c.created_at,
       CAST(coalesce(n.visual_number, '') AS TEXT) AS replaced_by_number
FROM ev_cards c LEFT JOIN ev_cards n ON n.id = c.replaced_by_id
WHERE c.user_id = @acting_as
ORDER BY c.status = 'active' DESC, c.created_at DESC, c.id DESC;

-- name: GetCard :one
SELECT * FROM ev_cards WHERE id = @id AND user_id = @acting_as;

-- name: InsertCard :one
INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, label, status, created_at)
VALUES (@acting_as, @visual_number, @uid, @contract_id, @label, 'active', @created_at)
RETURNING id;

-- name: BlockCard :execrows
UPDATE ev_cards SET status = 'blocked' WHERE id = @id AND user_id = @acting_as AND status = 'active';

-- name: NextCardSerial :one
SELECT CAST(coalesce(max(id), 0) + 121 AS INTEGER) FROM ev_cards;
