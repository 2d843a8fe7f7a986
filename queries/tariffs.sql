-- name: GetTariff :one
SELECT * FROM tariffs WHERE id = ?;

-- name: ListTariffComponents :many
SELECT e.id AS element_id, e.position, e.start_minute, e.end_minute, e.weekdays, e.min_wh, e.max_wh,
       e.min_duration_s, e.max_duration_s, e.min_power_w, e.max_power_w,
       p.type, p.price, p.vat_bp, p.step_size
FROM tariff_elements e JOIN price_components p ON p.element_id = e.id
WHERE e.tariff_id = ?
ORDER BY e.position, p.id;

-- name: ListTariffs :many
-- The tariff catalogue (a handful of rows), with how many connectors each prices.
SELECT t.id, t.name, t.currency,
       (SELECT count(*) FROM connectors c WHERE c.tariff_id = t.id) AS connectors
FROM tariffs t
ORDER BY t.id;
