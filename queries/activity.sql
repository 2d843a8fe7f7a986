-- name: InsertActivity :exec
INSERT INTO activity (user_id, at, kind, summary, actor_role) VALUES (@acting_as, @at, @kind, @summary, @actor_role);

-- name: ListActivity :many
-- One page of the customer's history, newest first: their own changes and admin fixes,
-- sessions, receipts and support access, after the keyset (before_at, before_id, before_src)
-- in (at, id, src) order. The four are merged as a compound SELECT ordered like their
-- indexes, so SQLite walks each index and stops once the page is full: the cost is the page,
-- not the history. Each arm has one upper bound on time (before_at).
SELECT a.at, 3 AS src, a.id, a.kind, a.summary, a.actor_role, CAST(0 AS INTEGER) AS ended_at
FROM activity a
WHERE a.user_id = @acting_as AND a.at <= @before_at
  AND (a.at < @before_at OR a.id < CAST(@before_id AS INTEGER) OR (a.id = @before_id AND 3 < CAST(@before_src AS INTEGER)))
UNION ALL
SELECT s.started_at, 2, s.id, 'session', 'Started charging at ' || l.name, 'customer', 0
FROM charging_sessions s
JOIN connectors cn ON cn.id = s.connector_id JOIN evses e ON e.id = cn.evse_id
JOIN chargers ch ON ch.id = e.charger_id JOIN locations l ON l.id = ch.location_id
WHERE s.user_id = @acting_as AND s.started_at <= @before_at
  AND (s.started_at < @before_at OR s.id < @before_id OR (s.id = @before_id AND 2 < @before_src))
UNION ALL
SELECT r.issued_at, 1, r.id, 'receipt', 'Receipt ' || r.number || ' issued', 'system', 0
FROM receipts r
WHERE r.user_id = @acting_as AND r.issued_at <= @before_at
  AND (r.issued_at < @before_at OR r.id < @before_id OR (r.id = @before_id AND 1 < @before_src))
UNION ALL
SELECT i.started_at, 0, i.id, 'support', i.ticket, 'support', coalesce(i.ended_at, 0)
FROM impersonations i
WHERE i.customer_user_id = @acting_as AND i.started_at <= @before_at
  AND (i.started_at < @before_at OR i.id < @before_id OR (i.id = @before_id AND 0 < @before_src))
ORDER BY 1 DESC, 3 DESC, 2 DESC
LIMIT @max_rows;
