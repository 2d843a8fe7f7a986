-- Second factors (TOTP and passkeys) and one-time recovery codes, and what a session knows of
-- them: pending = the password was right and the second step is still due (the session is
-- not signed in yet); factor/factor_at = which factor this session last used, and when (the
-- step-up window counts from it). Existing sessions end: none of them used a factor.
DELETE FROM web_sessions;
ALTER TABLE web_sessions ADD COLUMN pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1));
ALTER TABLE web_sessions ADD COLUMN factor TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN factor_at INTEGER NOT NULL DEFAULT 0;

-- One row per factor. A TOTP factor counts once confirmed (confirmed_at set) by a valid code;
-- last_step is the newest 30-second step accepted, so a code is accepted once. A passkey's
-- credential is the go-webauthn Credential as JSON (public key and sign counter, no secret).
CREATE TABLE user_factors (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('totp', 'passkey')),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret        TEXT    NOT NULL DEFAULT '',
    credential_id BLOB    UNIQUE,
    credential    BLOB,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    last_used_at  INTEGER,
    last_step     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX user_factors_user ON user_factors (user_id, confirmed_at);

-- Ten per account, stored as the SHA-256 of an 80-bit code, each used once.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    UNIQUE (user_id, code_hash)
);
