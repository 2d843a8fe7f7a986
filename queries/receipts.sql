-- name: InsertReceipt :one
INSERT INTO receipts (session_id, user_id, number, status, currency, net_cents, vat_cents, gross_cents, issued_at)
VALUES (@session_id, @acting_as, @number, @status, @currency, @net_cents, @vat_cents, @gross_cents, @issued_at)
RETURNING id;

-- name: InsertReceiptLine :exec
INSERT INTO receipt_lines (receipt_id, position, dimension, measured_qty, billed_qty, unit_price, vat_bp, net_cents)
SELECT r.id, @position, @dimension, @measured_qty, @billed_qty, @unit_price, @vat_bp, @net_cents
FROM receipts r WHERE r.id = @receipt_id AND r.user_id = @acting_as;
