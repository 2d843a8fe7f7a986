-- name: SetConnectorStatus :exec
UPDATE connectors SET status = @status WHERE id = @id;

-- name: ConnectorMeterWh :one
-- The connector's meter: where the last session on it ended.
SELECT CAST(coalesce(max(coalesce(meter_stop_wh, meter_start_wh)), 1000000) AS INTEGER) FROM charging_sessions WHERE connector_id = @connector_id;
