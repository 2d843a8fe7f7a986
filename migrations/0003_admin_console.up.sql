-- Admin console: name search over customers (FTS5 trigram index, so substring search needs no
-- full scan), restored reservations, re-issued cards, and the indexes the console's lists use.

CREATE VIRTUAL TABLE users_name_fts USING fts5(name, content='users', content_rowid='id', tokenize='trigram');
INSERT INTO users_name_fts (rowid, name) SELECT id, name FROM users;

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

CREATE INDEX auth_audit_tag ON auth_audit (tag, id);

-- Which impersonation an auth_audit row belongs to: a column derived from its metadata (so it
-- can never disagree with the hashed content), indexed so the console finds a start/end pair.
ALTER TABLE auth_audit ADD COLUMN impersonation_id INTEGER
    GENERATED ALWAYS AS (json_extract(metadata, '$.impersonation_id')) VIRTUAL;
CREATE INDEX auth_audit_impersonation ON auth_audit (impersonation_id) WHERE impersonation_id IS NOT NULL;
