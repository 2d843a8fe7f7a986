-- A customer's sessions in progress without walking their whole history (a fleet has
-- hundreds of thousands of sessions, of which a handful are active).
CREATE INDEX charging_sessions_user_active ON charging_sessions (user_id, started_at DESC) WHERE status = 'ACTIVE';
