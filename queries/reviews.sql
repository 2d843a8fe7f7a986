-- Access reviews (staff/review.go).

-- name: InsertReview :one
INSERT INTO access_reviews (started_by, started_at, period_from, period_to) VALUES (@started_by, @now, @period_from, @period_to)
RETURNING id;

-- name: OpenReview :one
SELECT id FROM access_reviews WHERE signed_off_at IS NULL LIMIT 1;

-- name: GetReview :one
SELECT r.id, r.started_by, r.started_at, r.period_from, r.period_to, coalesce(r.signed_off_by, 0) AS signed_off_by,
       coalesce(r.signed_off_at, 0) AS signed_off_at, r.summary, s.name AS started_by_name,
       CAST(coalesce((SELECT name FROM users WHERE id = r.signed_off_by), '') AS TEXT) AS signed_off_by_name
FROM access_reviews r JOIN users s ON s.id = r.started_by
WHERE r.id = @id;

-- name: ListReviews :many
SELECT r.id, r.started_at, r.period_from, r.period_to, coalesce(r.signed_off_at, 0) AS signed_off_at, r.summary,
       s.name AS started_by_name, CAST(coalesce((SELECT name FROM users WHERE id = r.signed_off_by), '') AS TEXT) AS signed_off_by_name
FROM access_reviews r JOIN users s ON s.id = r.started_by
ORDER BY r.id DESC LIMIT 20;

-- name: LastSignedOffReview :one
SELECT CAST(coalesce(max(signed_off_at), 0) AS INTEGER) FROM access_reviews WHERE signed_off_at IS NOT NULL;

-- name: ReviewStaff :many
-- Every staff account with what the review asks of it in [period_from, period_to): factors,
-- last sign-in, impersonations, admin actions, approvals given and received, accounts created,
-- and the review's decision so far.
SELECT u.id, u.name, u.email, u.role, u.status, u.created_at,
       CAST(coalesce((SELECT group_concat(f.kind, ', ') FROM user_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL), '') AS TEXT) AS factors,
       CAST(coalesce((SELECT a.at FROM auth_audit a WHERE a.actor_user_id = u.id AND a.tag = 'login.success' ORDER BY a.id DESC LIMIT 1), 0) AS INTEGER) AS last_sign_in,
       (SELECT count(*) FROM impersonations i WHERE i.admin_user_id = u.id AND i.started_at >= @period_from AND i.started_at < @period_to) AS impersonations,
       (SELECT count(*) FROM auth_audit a WHERE a.actor_user_id = u.id AND a.tag >= 'admin.' AND a.tag < 'admin/' AND a.at >= @period_from AND a.at < @period_to) AS admin_actions,
       (SELECT count(*) FROM auth_audit a WHERE a.actor_user_id = u.id AND a.tag = 'admin.approval.approve' AND a.at >= @period_from AND a.at < @period_to) AS approvals_given,
       (SELECT count(*) FROM impersonation_approvals ap WHERE ap.requester_id = u.id AND ap.approved_at >= @period_from AND ap.approved_at < @period_to) AS approvals_received,
       CAST(coalesce((SELECT group_concat(t.name, ', ') FROM auth_audit a JOIN users t ON t.id = a.target_user_id
             WHERE a.actor_user_id = u.id AND a.tag IN ('admin.staff.create', 'admin.user.create') AND a.at >= @period_from AND a.at < @period_to), '') AS TEXT) AS created,
       coalesce(d.decision, '') AS decision, coalesce(d.new_role, '') AS new_role, coalesce(d.reason, '') AS decision_reason,
       CAST(coalesce((SELECT name FROM users WHERE id = d.decided_by), '') AS TEXT) AS decided_by_name, coalesce(d.decided_at, 0) AS decided_at
FROM users u
LEFT JOIN access_review_decisions d ON d.review_id = @review_id AND d.staff_id = u.id
WHERE u.role IN ('admin', 'support') OR d.staff_id IS NOT NULL
ORDER BY u.status, u.name, u.id;

-- name: InsertReviewDecision :exec
INSERT INTO access_review_decisions (review_id, staff_id, decision, new_role, reason, decided_by, decided_at)
VALUES (@review_id, @staff_id, @decision, @new_role, @reason, @decided_by, @now);

-- name: SignOffReview :execrows
UPDATE access_reviews SET signed_off_by = @admin, signed_off_at = @now, summary = @summary
WHERE id = @id AND signed_off_at IS NULL;
