CREATE INDEX reservations_user ON reservations (user_id, starts_at DESC);
DROP INDEX reservations_user_page;
DROP INDEX payment_methods_user_default;
DROP INDEX ev_cards_user_status;
