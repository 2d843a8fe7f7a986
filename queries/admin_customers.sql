-- name: SearchCustomers :many
-- Support search, one page after the keyset (name, id): Public ID exactly, email by prefix
-- (case-insensitive, the NOCASE index), name by substring (the trigram index; 3+ characters).
SELECT u.id, u.public_id, u.email, u.name, u.status, u.created_at FROM users u
WHERE +u.role = 'customer'
  AND u.id IN (
    SELECT p.id FROM users p WHERE p.public_id = @q
    UNION
    SELECT e.id FROM users e WHERE e.email >= @email_from AND e.email < @email_to
    UNION
    SELECT f.rowid FROM users_name_fts f WHERE f.name MATCH @name_match
  )
  AND (u.name > @after_name OR (u.name = @after_name AND u.id > @after_id))
ORDER BY u.name, u.id
LIMIT @page_size;

-- name: CountSearchMatches :one
-- How many customers a search matches by email prefix and by name, each counted to 1000 at
-- most: below that the matches are gathered and sorted (SearchCustomers); at 1000 the name
-- index is walked in order and stops after a page (SearchCustomersDense). Either way a search
-- reads a bounded number of rows.
SELECT CAST((SELECT count(*) FROM (SELECT 1 FROM users e WHERE e.email >= @email_from AND e.email < @email_to LIMIT 1000)) +
       (SELECT count(*) FROM (SELECT 1 FROM users_name_fts f WHERE f.name MATCH @name_match LIMIT 1000)) AS INTEGER) AS n;

-- name: SearchCustomersDense :many
-- SearchCustomers for a common search ("jane"): walks customers in (name, id) order from the
-- keyset and keeps those that match; matches are dense, so a page is found quickly.
SELECT u.id, u.public_id, u.email, u.name, u.status, u.created_at FROM users u
WHERE u.role = 'customer'
  AND (u.name > @after_name OR (u.name = @after_name AND u.id > @after_id))
  AND (u.public_id = @q OR (u.email >= @email_from AND u.email < @email_to) OR instr(lower(u.name), lower(@q)) > 0)
ORDER BY u.name, u.id
LIMIT @page_size;

-- name: GetCustomerForAdmin :one
SELECT id, public_id, email, name, status, created_at FROM users
WHERE id = @acting_as AND role = 'customer';

-- name: ActiveImpersonationsOfCustomer :many
SELECT i.id, i.ticket, i.started_at, i.expires_at, i.allow_changes, a.name AS admin_name
FROM impersonations i JOIN users a ON a.id = i.admin_user_id
WHERE i.customer_user_id = @acting_as AND i.ended_at IS NULL;
