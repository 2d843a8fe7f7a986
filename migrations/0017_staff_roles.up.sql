-- Two staff roles: support (search, view, impersonate read-only) and admin (also changes,
-- the admin tools, staff management, settings). Existing admins stay admins. SQLite cannot
-- change a CHECK in place, so users is rebuilt (foreign keys are off while migrating and
-- checked after; ids, and so every reference and the name index, stay as they are).
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE CHECK (public_id GLOB 'cus_*' OR public_id GLOB 'adm_*'),
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'support', 'customer')),
    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    INTEGER NOT NULL
);
INSERT INTO users_new (id, public_id, email, name, password_hash, role, status, created_at)
SELECT id, public_id, email, name, password_hash, role, status, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_role_name ON users (role, name);
CREATE INDEX users_email_domain ON users (lower(substr(email, instr(email, '@') + 1)), id) WHERE role = 'customer';
CREATE TRIGGER users_name_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_name_fts (rowid, name) VALUES (NEW.id, NEW.name);
END;
CREATE TRIGGER users_name_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_name_fts (users_name_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);
END;
CREATE TRIGGER users_name_fts_update AFTER UPDATE OF name ON users BEGIN
    INSERT INTO users_name_fts (users_name_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);
    INSERT INTO users_name_fts (rowid, name) VALUES (NEW.id, NEW.name);
END;
