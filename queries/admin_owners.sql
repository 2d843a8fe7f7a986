-- Which customer an object belongs to, for an admin tool posted without customer_user_id.

-- name: OwnerOfReceipt :one
SELECT user_id FROM receipts WHERE id = ?;

-- name: OwnerOfReservation :one
SELECT user_id FROM reservations WHERE id = ?;

-- name: OwnerOfCard :one
SELECT user_id FROM ev_cards WHERE id = ?;

-- name: OwnerOfSession :one
SELECT user_id FROM charging_sessions WHERE id = ?;
