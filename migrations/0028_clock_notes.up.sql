-- A customer's sessions whose charger's clock was found wrong, for the console's "what needs
-- attention" without walking a fleet's history.
CREATE INDEX charging_sessions_clock ON charging_sessions (user_id, started_at DESC) WHERE clock_note <> '';
