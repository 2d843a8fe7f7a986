DROP TABLE ocpp_log;
ALTER TABLE charging_sessions DROP COLUMN station_meter_stop_wh;
ALTER TABLE charging_sessions DROP COLUMN station_stopped_at;
CREATE TABLE connectors_old (
    id          INTEGER PRIMARY KEY,
    evse_id     INTEGER NOT NULL REFERENCES evses (id),
    standard    TEXT    NOT NULL CHECK (standard IN ('Type2', 'CCS', 'CHAdeMO')),
    power_type  TEXT    NOT NULL CHECK (power_type IN ('AC', 'DC')),
    max_power_w INTEGER NOT NULL CHECK (max_power_w > 0),
    status      TEXT    NOT NULL DEFAULT 'Available' CHECK (status IN ('Available', 'Preparing', 'Charging',
                    'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted')),
    tariff_id   INTEGER NOT NULL REFERENCES tariffs (id)
);
INSERT INTO connectors_old (id, evse_id, standard, power_type, max_power_w, status, tariff_id)
SELECT id, evse_id, standard, power_type, max_power_w,
       CASE status WHEN 'SuspendedEVSE' THEN 'SuspendedEV' ELSE status END, tariff_id FROM connectors;
DROP TABLE connectors;
ALTER TABLE connectors_old RENAME TO connectors;
CREATE INDEX connectors_evse ON connectors (evse_id);
ALTER TABLE chargers DROP COLUMN booted_at;
ALTER TABLE chargers DROP COLUMN firmware;
ALTER TABLE chargers DROP COLUMN ocpp_password_sha256;
