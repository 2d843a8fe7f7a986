-- The audit log pages. Each list is newest first, one page before a keyset id. Filters left
-- empty ('' or 0) match everything; a variant exists per driving filter so each uses an index.

-- The unary + on at keeps the planner walking ids newest first (and stopping after a page)
-- instead of sorting the whole time range.

-- name: ListAuthAudit :many
SELECT * FROM auth_audit
WHERE id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListAuthAuditInRange :many
-- A date range without other filters: walks the (at, id) index backwards from top_at, so a
-- window a year ago costs what today's does. top_at and below_id are the one upper bound of
-- the range's end and the keyset, whichever is earlier (handlers.keysetTop).
SELECT * FROM auth_audit
WHERE at >= @from_at AND at <= @top_at AND (at < @top_at OR id < @below_id)
ORDER BY at DESC, id DESC LIMIT @page_size;

-- name: AuthAuditAt :one
SELECT at FROM auth_audit WHERE id = ?;

-- name: ListAuthAuditByTag :many
-- One tag exactly: walks the (tag, id) index backwards.
SELECT * FROM auth_audit
WHERE tag = @tag AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListAuthAuditIDsByTag :many
-- One tag's newest ids, from the covering (tag, id) index alone: a family's page merges these
-- and reads only the rows it shows (AuthAuditByIDs).
SELECT id FROM auth_audit WHERE tag = @tag AND id < @before ORDER BY id DESC LIMIT @page_size;

-- name: AuthAuditByIDs :many
-- The rows of a page by id (ids: a JSON array), newest first.
SELECT * FROM auth_audit WHERE id IN (SELECT value FROM json_each(CAST(@ids AS TEXT))) ORDER BY id DESC;

-- name: NextTagInFamily :one
-- The next distinct tag of a family (admin.*) after one: a seek in the (tag, id) index. The
-- family's page is one ListAuthAuditByTag walk per tag, merged (a single range would sort
-- every row of the family).
SELECT tag FROM auth_audit WHERE tag > @after AND tag < @tag_to ORDER BY tag LIMIT 1;

-- A user's rows are those where they act and those where they are the target: two index
-- walks of one page each, merged by the caller (a UNION would read all of a busy admin's rows).

-- name: ListAuthAuditByActor :many
SELECT * FROM auth_audit
WHERE actor_user_id = CAST(@user_id AS INTEGER) AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListAuthAuditByTarget :many
SELECT * FROM auth_audit
WHERE target_user_id = CAST(@user_id AS INTEGER) AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- With a tag as well: one walk of the (user, tag, id) index per tag (a family is one walk per
-- tag of it, merged by the caller), never a filter over all of the user's rows.

-- name: ListAuthAuditByActorTag :many
SELECT * FROM auth_audit
WHERE actor_user_id = CAST(@user_id AS INTEGER) AND tag = @tag AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListAuthAuditByTargetTag :many
SELECT * FROM auth_audit
WHERE target_user_id = CAST(@user_id AS INTEGER) AND tag = @tag AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListAuthAuditForImpersonation :many
SELECT * FROM auth_audit
WHERE tag IN ('impersonation.start', 'impersonation.end')
  AND impersonation_id = CAST(@impersonation_id AS INTEGER)
ORDER BY id;

-- name: ListRouteAudit :many
SELECT * FROM impersonation_audit
WHERE id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListRouteAuditInRange :many
-- As ListAuthAuditInRange.
SELECT * FROM impersonation_audit
WHERE at >= @from_at AND at <= @top_at AND (at < @top_at OR id < @below_id)
ORDER BY at DESC, id DESC LIMIT @page_size;

-- name: RouteAuditAt :one
SELECT at FROM impersonation_audit WHERE id = ?;

-- name: ListRouteAuditByAdmin :many
SELECT * FROM impersonation_audit
WHERE admin_user_id = @user_id AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListRouteAuditByCustomer :many
SELECT * FROM impersonation_audit
WHERE customer_user_id = @user_id AND id < @before AND +at >= @from_at AND +at < @to_at
ORDER BY id DESC LIMIT @page_size;

-- name: ListRouteAuditForImpersonation :many
SELECT * FROM impersonation_audit WHERE impersonation_id = @impersonation_id ORDER BY id LIMIT 2000;

-- name: ListRouteAuditPreviews :many
-- The first route rows of each of several impersonations (ids: a JSON array), for the audit
-- page (the rest are on their timelines): max_rows per impersonation through its (at) index,
-- however busy it was. Unordered: the caller groups them.
SELECT r.* FROM json_each(CAST(@ids AS TEXT)) j
JOIN impersonation_audit r ON r.id IN (
    SELECT x.id FROM impersonation_audit x WHERE x.impersonation_id = j.value ORDER BY x.at, x.id LIMIT @max_rows);

-- name: ListImpersonationBounds :many
-- The start and end rows of several impersonations (ids: a JSON array), for the audit page,
-- found by impersonation (the unary + keeps the planner off the tag index, which would walk
-- every impersonation.start row ever written).
SELECT id, tag, CAST(impersonation_id AS INTEGER) AS impersonation_id FROM auth_audit
WHERE impersonation_id IN (SELECT value FROM json_each(CAST(@ids AS TEXT)))
  AND +tag IN ('impersonation.start', 'impersonation.end');

-- name: ListImpersonations :many
SELECT i.*, a.name AS admin_name, c.name AS customer_name, c.public_id AS customer_public_id,
       -- Bounded: the list shows "1000+" rather than count a busy impersonation's rows.
       (SELECT count(*) FROM (SELECT 1 FROM impersonation_audit r WHERE r.impersonation_id = i.id LIMIT 1001)) AS route_rows
FROM impersonations i
JOIN users a ON a.id = i.admin_user_id
JOIN users c ON c.id = i.customer_user_id
WHERE i.id < @before
ORDER BY i.id DESC LIMIT @page_size;

-- name: GetImpersonation :one
SELECT i.*, a.name AS admin_name, c.name AS customer_name, c.public_id AS customer_public_id
FROM impersonations i
JOIN users a ON a.id = i.admin_user_id
JOIN users c ON c.id = i.customer_user_id
WHERE i.id = @id;

-- name: UserNamesByIDs :many
-- Names for the user ids an audit page shows; ids is a JSON array.
SELECT u.id, u.name, u.role FROM users u
WHERE u.id IN (SELECT value FROM json_each(CAST(@ids AS TEXT)));
