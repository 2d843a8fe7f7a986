-- name: SearchCustomers :many
-- Support search, one page after the keyset (name, id): Public ID exactly, email by prefix
-- (case-insensitive, the NOCASE index), name by substring (the trigram index; 3+ characters).
SELECT u.id, u.public_id, u.email, u.name, u.status, u.created_at, u.protected_reason FROM users u
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

-- name: CountEmailMatches :one
-- How many customers' emails start with the search, counted to 1000 at most. With fewer (and
-- fewer than 50 name matches) the matches are gathered and sorted by name (SearchCustomers);
-- otherwise each source is read in id order from the keyset and stops after a page. Either
-- way a search reads a bounded number of rows. (Name matches are counted by reading up to 51
-- of them, which is also the first page's names.)
SELECT CAST(count(*) AS INTEGER) FROM (SELECT 1 FROM users e WHERE e.email >= @email_from AND e.email < @email_to LIMIT 1000);

-- A common search ("jane": thousands of matches) pages in id order instead, each source read
-- through its own index from the keyset and stopped after a page.

-- (The name search by page is in name_matches.go: sqlc cannot parse a rowid constraint on FTS5.)

-- name: EmailMatchesAfter :many
-- Fewer than 1000 email matches: read them through the email index and sort them.
SELECT e.id FROM users e WHERE e.email >= @email_from AND e.email < @email_to AND e.id > @after_id ORDER BY e.id LIMIT @page_size;

-- name: CommonEmailMatchesAfter :many
-- 1000 email matches or more: walk ids from the keyset and keep the matches (dense, so a page
-- comes quickly).
SELECT e.id FROM users e WHERE +e.email >= @email_from AND +e.email < @email_to AND e.id > @after_id ORDER BY e.id LIMIT @page_size;

-- name: CustomersByIDs :many
-- ids is a JSON array (one prepared statement for any page, unlike an IN list); each is
-- looked up by id (the unary + keeps the planner off the role index).
SELECT u.id, u.public_id, u.email, u.name, u.status, u.created_at, u.protected_reason FROM users u
WHERE u.id IN (SELECT value FROM json_each(CAST(@ids AS TEXT))) AND +u.role = 'customer'
ORDER BY u.id;

-- name: GetCustomerForAdmin :one
SELECT id, public_id, email, name, status, created_at, protected_reason FROM users
WHERE id = @acting_as AND role = 'customer';

-- name: ActiveImpersonationsOfCustomer :many
-- Through the active impersonations (at most one per admin), never the customer's history of
-- them (a fleet customer has thousands): the unary + keeps the planner off that index.
SELECT i.id, i.ticket, i.started_at, i.expires_at, i.allow_changes, a.name AS admin_name
FROM impersonations i JOIN users a ON a.id = i.admin_user_id
WHERE +i.customer_user_id = @acting_as AND i.ended_at IS NULL;

-- name: CustomersByDomain :many
-- Customers whose email is at @domain (lower case, without the @), one page in id order after
-- the keyset id.
SELECT u.id, u.public_id, u.email, u.name, u.status, u.created_at, u.protected_reason FROM users u
WHERE lower(substr(u.email, instr(u.email, '@') + 1)) = @domain AND u.role = 'customer' AND u.id > @after_id
ORDER BY u.id
LIMIT @page_size;

-- name: CustomerByHandle :one
-- The customer a ticket's deep link names: by Public ID or by email (case-insensitive, the
-- NOCASE column), each through its unique index.
SELECT u.id FROM users u
WHERE u.id IN (SELECT p.id FROM users p WHERE p.public_id = @handle UNION SELECT e.id FROM users e WHERE e.email = @handle)
  AND +u.role = 'customer';
