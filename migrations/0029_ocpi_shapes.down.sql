ALTER TABLE tariffs DROP COLUMN last_updated;
UPDATE locations SET city = postal_code || ' ' || city WHERE postal_code <> '';
ALTER TABLE locations DROP COLUMN longitude;
ALTER TABLE locations DROP COLUMN latitude;
ALTER TABLE locations DROP COLUMN postal_code;
