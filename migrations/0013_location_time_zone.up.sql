-- Tariff restrictions (time of day, weekday, date) mean the location's local time (OCPI's
-- Location.time_zone), daylight saving included. Every site so far is in Berlin.
ALTER TABLE locations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Berlin' CHECK (length(time_zone) BETWEEN 1 AND 64);
