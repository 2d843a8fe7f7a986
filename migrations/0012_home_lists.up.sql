-- The home page's short lists in their own order, without sorting all of a fleet's cards:
-- the newest active EV cards, and the payment methods default first.
CREATE INDEX ev_cards_user_status ON ev_cards (user_id, status, created_at DESC, id DESC);
CREATE INDEX payment_methods_user_default ON payment_methods (user_id, is_default DESC, created_at DESC, id DESC);
