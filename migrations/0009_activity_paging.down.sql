DROP INDEX impersonations_customer;
CREATE INDEX impersonations_customer ON impersonations (customer_user_id, started_at DESC);
DROP INDEX receipts_user;
CREATE INDEX receipts_user ON receipts (user_id, issued_at DESC);
