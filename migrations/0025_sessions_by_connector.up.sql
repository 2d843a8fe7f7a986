-- A charger's page in the console lists its last sessions: per connector, newest first,
-- read in index order and stopped after a page (a busy public connector has thousands).
CREATE INDEX charging_sessions_connector ON charging_sessions (connector_id, started_at DESC, id DESC);
