-- Where a login was made from, for the Security page's list of the account's sessions (ASVS
-- 7.5.2): the address and browser of the sign-in. Sessions of before have neither; the page
-- says so.
ALTER TABLE web_sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
