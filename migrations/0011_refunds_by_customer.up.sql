-- A customer's refunds newest first, a page at a time (the admin customer page).
CREATE INDEX refunds_user ON refunds (user_id, created_at DESC, id DESC);
