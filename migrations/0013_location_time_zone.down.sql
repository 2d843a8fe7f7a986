ALTER TABLE locations DROP COLUMN time_zone;
