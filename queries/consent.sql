-- Consent on request (impersonation/consent.go).

-- name: InsertConsentRequest :one
INSERT INTO consent_requests (customer_user_id, requester_id, ticket, reason, requested_at, expires_at)
VALUES (@acting_as, @requester_id, @ticket, @reason, @requested_at, @expires_at)
RETURNING id;

-- name: PendingConsentByRequester :one
-- Whether this agent already waits for this customer's answer.
SELECT id FROM consent_requests
WHERE customer_user_id = @acting_as AND requester_id = @requester_id AND answer IS NULL AND expires_at > @now
LIMIT 1;

-- name: PendingConsentRequests :many
-- What the customer is asked now (their pages show it), oldest first, through the partial index.
SELECT c.id, c.ticket, c.reason, c.requested_at, c.expires_at, u.name AS requester_name
FROM consent_requests c JOIN users u ON u.id = c.requester_id
WHERE c.customer_user_id = @acting_as AND c.answer IS NULL AND c.expires_at > @now
ORDER BY c.expires_at
LIMIT 5;

-- name: GetConsentRequest :one
SELECT id, customer_user_id, requester_id, ticket, reason, requested_at, expires_at, answer, answered_at, grant_id
FROM consent_requests WHERE id = @id AND customer_user_id = @acting_as;

-- name: AnswerConsentRequest :execrows
UPDATE consent_requests SET answer = @answer, answered_at = @now, grant_id = @grant_id
WHERE id = @id AND customer_user_id = @acting_as AND answer IS NULL AND expires_at > @now;

-- name: InsertConsentGrant :one
INSERT INTO support_grants (customer_user_id, granted_at, expires_at) VALUES (@acting_as, @granted_at, @expires_at)
RETURNING id;

-- name: ListConsentRequests :many
-- A customer's requests, newest first, with the grant each answer gave (the console lists them).
SELECT c.id, c.ticket, c.reason, c.requested_at, c.expires_at, coalesce(c.answer, '') AS answer,
       coalesce(c.answered_at, 0) AS answered_at, u.name AS requester_name,
       coalesce(g.expires_at, 0) AS grant_until, coalesce(g.revoked_at, 0) AS grant_revoked_at
FROM consent_requests c JOIN users u ON u.id = c.requester_id
LEFT JOIN support_grants g ON g.id = c.grant_id
WHERE c.customer_user_id = @acting_as
ORDER BY c.id DESC
LIMIT 20;
