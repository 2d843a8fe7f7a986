-- OCPI 2.2.1 shapes (issue 26): a location's postal code apart from its city, and its
-- coordinates (CdrLocation requires them); when a tariff last changed (Tariff.last_updated).
ALTER TABLE locations ADD COLUMN postal_code TEXT NOT NULL DEFAULT '' CHECK (length(postal_code) <= 10);
ALTER TABLE locations ADD COLUMN latitude TEXT NOT NULL DEFAULT '' CHECK (latitude = '' OR latitude GLOB '*[0-9].[0-9]*');
ALTER TABLE locations ADD COLUMN longitude TEXT NOT NULL DEFAULT '' CHECK (longitude = '' OR longitude GLOB '*[0-9].[0-9]*');
-- "10178 Berlin" was one field: the leading postal code moves to its own.
UPDATE locations SET postal_code = substr(city, 1, instr(city, ' ') - 1), city = substr(city, instr(city, ' ') + 1)
WHERE city GLOB '[0-9][0-9][0-9][0-9][0-9] *';
ALTER TABLE tariffs ADD COLUMN last_updated INTEGER NOT NULL DEFAULT 0;
UPDATE tariffs SET last_updated = unixepoch();
