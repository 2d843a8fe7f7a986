DROP TABLE recovery_codes;
DROP TABLE user_factors;
DELETE FROM web_sessions;
ALTER TABLE web_sessions DROP COLUMN factor_at;
ALTER TABLE web_sessions DROP COLUMN factor;
ALTER TABLE web_sessions DROP COLUMN pending;
