-- Lists in their own order, without sorting all of a fleet's rows: the home page's newest
-- active EV cards and payment methods (default first), and reservations a page at a time.
CREATE INDEX ev_cards_user_status ON ev_cards (user_id, status, created_at DESC, id DESC);
CREATE INDEX payment_methods_user_default ON payment_methods (user_id, is_default DESC, created_at DESC, id DESC);
CREATE INDEX reservations_user_page ON reservations (user_id, starts_at DESC, id DESC);
DROP INDEX reservations_user;
