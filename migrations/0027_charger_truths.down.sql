DROP INDEX ev_cards_uid_nocase;
ALTER TABLE chargers DROP COLUMN clock_note;
DROP INDEX charging_sessions_held;
ALTER TABLE charging_sessions DROP COLUMN held_outcome;
ALTER TABLE charging_sessions DROP COLUMN held_reason;
ALTER TABLE charging_sessions DROP COLUMN clock_note;
ALTER TABLE meter_readings DROP COLUMN power_known;
ALTER TABLE meter_readings DROP COLUMN current_ma;
