-- Access reviews (SOC 2 CC6.2/CC6.3, ISO 27001 A.5.18): an admin reviews every staff account
-- over a period, decides keep / change role / disable for each (applied at once, each one a
-- chain row), and signs the review off as a whole.
CREATE TABLE access_reviews (
    id            INTEGER PRIMARY KEY,
    started_by    INTEGER NOT NULL REFERENCES users (id),
    started_at    INTEGER NOT NULL,
    period_from   INTEGER NOT NULL,
    period_to     INTEGER NOT NULL CHECK (period_to > period_from),
    signed_off_by INTEGER REFERENCES users (id),
    signed_off_at INTEGER,
    summary       TEXT    NOT NULL DEFAULT '',
    CHECK ((signed_off_by IS NULL) = (signed_off_at IS NULL))
);
CREATE UNIQUE INDEX access_reviews_one_open ON access_reviews ((1)) WHERE signed_off_at IS NULL;
CREATE INDEX access_reviews_signed ON access_reviews (signed_off_at) WHERE signed_off_at IS NOT NULL;

CREATE TABLE access_review_decisions (
    review_id  INTEGER NOT NULL REFERENCES access_reviews (id),
    staff_id   INTEGER NOT NULL REFERENCES users (id),
    decision   TEXT    NOT NULL CHECK (decision IN ('keep', 'change_role', 'disable')),
    new_role   TEXT    NOT NULL DEFAULT '' CHECK (new_role IN ('', 'admin', 'support')),
    reason     TEXT    NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    decided_by INTEGER NOT NULL REFERENCES users (id),
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (review_id, staff_id)
);
