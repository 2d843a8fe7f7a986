-- name: ListPaymentMethods :many
SELECT * FROM payment_methods WHERE user_id = @acting_as ORDER BY is_default DESC, created_at DESC, id DESC;

-- name: GetPaymentMethod :one
SELECT * FROM payment_methods WHERE id = @id AND user_id = @acting_as;

-- name: GetDefaultPaymentMethod :one
SELECT * FROM payment_methods WHERE user_id = @acting_as AND is_default = 1;

-- name: InsertPaymentMethod :one
INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at)
VALUES (@acting_as, @brand, @last4, @exp_month, @exp_year, @is_default, @provider_token, @created_at)
RETURNING id;

-- name: ClearDefaultPaymentMethod :exec
UPDATE payment_methods SET is_default = 0 WHERE user_id = @acting_as AND is_default = 1;

-- name: SetDefaultPaymentMethod :execrows
UPDATE payment_methods SET is_default = 1 WHERE id = @id AND user_id = @acting_as;

-- name: DeletePaymentMethod :execrows
DELETE FROM payment_methods WHERE id = @id AND user_id = @acting_as AND is_default = 0;
