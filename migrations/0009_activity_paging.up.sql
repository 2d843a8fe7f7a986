-- The activity page is keyset-paged over four histories merged newest first; each is walked
-- through an index in (time, id) order so a page costs the same on any page of any account.
DROP INDEX receipts_user;
CREATE INDEX receipts_user ON receipts (user_id, issued_at DESC, id DESC);
DROP INDEX impersonations_customer;
CREATE INDEX impersonations_customer ON impersonations (customer_user_id, started_at DESC, id DESC);
