-- name: EnqueueWebhook :exec
INSERT INTO webhook_outbox (audit_id, event, body, created_at, next_at) VALUES (?, ?, ?, ?, ?);

-- name: WaitingWebhooks :many
-- The oldest events not delivered yet, in the order they happened.
SELECT id, event, body, attempts, next_at FROM webhook_outbox
WHERE delivered_at IS NULL ORDER BY id LIMIT @limit;

-- name: MarkWebhookDelivered :exec
UPDATE webhook_outbox SET delivered_at = @now, attempts = attempts + 1, last_status = @status, last_error = ''
WHERE id = @id AND delivered_at IS NULL;

-- name: MarkWebhookFailed :exec
UPDATE webhook_outbox SET attempts = attempts + 1, next_at = @next_at, last_status = @status, last_error = @error
WHERE id = @id AND delivered_at IS NULL;

-- name: RecentWebhooks :many
-- The delivery log: the newest events, newest first.
SELECT id, audit_id, event, created_at, attempts, next_at, delivered_at, last_status, last_error FROM webhook_outbox
ORDER BY id DESC LIMIT 50;

-- name: WebhookBacklog :one
SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL;

