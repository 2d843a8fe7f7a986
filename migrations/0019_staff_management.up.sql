-- Staff are created in the console with a one-time link to set their password: the link's
-- token is stored as its SHA-256 only (a copy of the database holds no usable link), used
-- once, and expires.
CREATE TABLE password_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    used_at    INTEGER
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);
