-- name: SetConnectorStatus :exec
UPDATE connectors SET status = @status WHERE id = @id;
