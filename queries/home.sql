-- name: CustomerSummary :one
-- The customer's home page in one read (each query costs a round of the driver, so the small
-- lists come along as JSON): who they are, how much they have, their newest active EV cards
-- and their payment methods (default first), at most 5 of each.
SELECT u.public_id, u.email, u.name,
    -- Kept by triggers (migration 0008): one row, whatever the size of a fleet's history.
    CAST(coalesce((SELECT n.sessions FROM user_session_counts n WHERE n.user_id = u.id), 0) AS INTEGER) AS sessions,
    (SELECT count(*) FROM chargers c WHERE c.owner_user_id = u.id) +
    (SELECT count(*) FROM favourite_chargers f WHERE f.user_id = u.id) AS chargers,
    (SELECT count(*) FROM ev_cards e WHERE e.user_id = u.id AND e.status = 'active') AS active_cards,
    CAST((SELECT json_group_array(json_object('VisualNumber', visual_number, 'Label', label))
          FROM (SELECT e.visual_number, e.label FROM ev_cards e
                WHERE e.user_id = u.id AND e.status = 'active'
                ORDER BY e.created_at DESC, e.id DESC LIMIT 5) AS shown_cards) AS TEXT) AS cards_json,
    (SELECT count(*) FROM payment_methods p WHERE p.user_id = u.id) AS payment_methods,
    CAST((SELECT json_group_array(json_object('ID', id, 'Brand', brand, 'Last4', last4,
                 'ExpMonth', exp_month, 'ExpYear', exp_year, 'IsDefault', is_default))
          FROM (SELECT p.id, p.brand, p.last4, p.exp_month, p.exp_year, p.is_default FROM payment_methods p
                WHERE p.user_id = @acting_as
                ORDER BY p.is_default DESC, p.created_at DESC, p.id DESC LIMIT 5) AS shown_methods) AS TEXT) AS payments_json
FROM users u
WHERE u.id = @acting_as AND u.role = 'customer';
