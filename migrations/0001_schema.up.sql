-- The whole ChargeDesk domain schema. Times are INTEGER unix seconds (UTC), money is integer
-- cents, unit prices are integer 1/10 000 EUR, VAT is basis points, energy is Wh.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE CHECK (public_id GLOB 'cus_*' OR public_id GLOB 'adm_*'),
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'customer')),
    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_role_name ON users (role, name);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Server-side web sessions behind gorilla/sessions: the cookie carries only the signed id.
CREATE TABLE web_sessions (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Charging infrastructure: location -> charger -> EVSE -> connector.
CREATE TABLE locations (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    address TEXT NOT NULL,
    city    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('home', 'public'))
);

CREATE TABLE tariffs (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    currency        TEXT    NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
    min_price_cents INTEGER CHECK (min_price_cents >= 0),
    max_price_cents INTEGER CHECK (max_price_cents >= 0)
);

-- Elements are tried in position order; restrictions left NULL match everything.
CREATE TABLE tariff_elements (
    id             INTEGER PRIMARY KEY,
    tariff_id      INTEGER NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    start_minute   INTEGER CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute     INTEGER CHECK (end_minute BETWEEN 0 AND 1440),
    weekdays       INTEGER CHECK (weekdays BETWEEN 0 AND 127), -- bit 0 = Monday
    min_wh         INTEGER CHECK (min_wh >= 0),
    max_wh         INTEGER CHECK (max_wh >= 0),
    min_duration_s INTEGER CHECK (min_duration_s >= 0),
    max_duration_s INTEGER CHECK (max_duration_s >= 0),
    min_power_w    INTEGER CHECK (min_power_w >= 0),
    max_power_w    INTEGER CHECK (max_power_w >= 0),
    UNIQUE (tariff_id, position)
);

CREATE TABLE price_components (
    id         INTEGER PRIMARY KEY,
    element_id INTEGER NOT NULL REFERENCES tariff_elements (id) ON DELETE CASCADE,
    type       TEXT    NOT NULL CHECK (type IN ('FLAT', 'ENERGY', 'TIME', 'PARKING_TIME')),
    price      INTEGER NOT NULL CHECK (price >= 0), -- 1/10 000 EUR per unit (session, kWh, hour)
    vat_bp     INTEGER NOT NULL CHECK (vat_bp BETWEEN 0 AND 10000),
    step_size  INTEGER NOT NULL DEFAULT 1 CHECK (step_size >= 1) -- Wh for ENERGY, s for time
);

CREATE TABLE chargers (
    id                   INTEGER PRIMARY KEY,
    location_id          INTEGER NOT NULL REFERENCES locations (id),
    owner_user_id        INTEGER REFERENCES users (id), -- NULL for public chargers
    ocpp_id              TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    vendor               TEXT    NOT NULL,
    model                TEXT    NOT NULL,
    max_power_w          INTEGER NOT NULL CHECK (max_power_w > 0),
    heartbeat_interval_s INTEGER NOT NULL DEFAULT 300 CHECK (heartbeat_interval_s > 0),
    last_seen_at         INTEGER
);
CREATE INDEX chargers_owner ON chargers (owner_user_id);

CREATE TABLE favourite_chargers (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    charger_id INTEGER NOT NULL REFERENCES chargers (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, charger_id)
) WITHOUT ROWID;

CREATE TABLE evses (
    id         INTEGER PRIMARY KEY,
    charger_id INTEGER NOT NULL REFERENCES chargers (id),
    evse_uid   TEXT    NOT NULL UNIQUE
);
CREATE INDEX evses_charger ON evses (charger_id);

CREATE TABLE connectors (
    id          INTEGER PRIMARY KEY,
    evse_id     INTEGER NOT NULL REFERENCES evses (id),
    standard    TEXT    NOT NULL CHECK (standard IN ('Type2', 'CCS', 'CHAdeMO')),
    power_type  TEXT    NOT NULL CHECK (power_type IN ('AC', 'DC')),
    max_power_w INTEGER NOT NULL CHECK (max_power_w > 0),
    status      TEXT    NOT NULL DEFAULT 'Available' CHECK (status IN ('Available', 'Preparing', 'Charging',
                    'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted')),
    tariff_id   INTEGER NOT NULL REFERENCES tariffs (id)
);
CREATE INDEX connectors_evse ON connectors (evse_id);

-- EV cards (RFID tokens): the driver sees the visual number, never the UID.
CREATE TABLE ev_cards (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    visual_number  TEXT    NOT NULL UNIQUE,
    uid            TEXT    NOT NULL UNIQUE,
    contract_id    TEXT    NOT NULL,
    label          TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'lost', 'replaced')),
    replaced_by_id INTEGER REFERENCES ev_cards (id),
    created_at     INTEGER NOT NULL,
    CHECK (status <> 'replaced' OR replaced_by_id IS NOT NULL)
);
CREATE INDEX ev_cards_user ON ev_cards (user_id, id);

-- Tokenised payment methods only: brand, last4, expiry and the provider's token.
CREATE TABLE payment_methods (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    brand          TEXT    NOT NULL CHECK (brand IN ('Visa', 'Mastercard', 'Amex', 'SEPA')),
    last4          TEXT    NOT NULL CHECK (length(last4) = 4 AND last4 NOT GLOB '*[^0-9]*'),
    exp_month      INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year       INTEGER NOT NULL CHECK (exp_year BETWEEN 2000 AND 2100),
    is_default     INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    provider_token TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL
);
CREATE INDEX payment_methods_user ON payment_methods (user_id, id);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (user_id) WHERE is_default = 1;

CREATE TABLE charging_sessions (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    connector_id        INTEGER NOT NULL REFERENCES connectors (id),
    card_id             INTEGER NOT NULL REFERENCES ev_cards (id),
    payment_method_id   INTEGER REFERENCES payment_methods (id) ON DELETE SET NULL,
    status              TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'INVALID')),
    started_at          INTEGER NOT NULL,
    charging_ended_at   INTEGER, -- energy stopped flowing; the rest until stopped_at is parking
    stopped_at          INTEGER,
    meter_start_wh      INTEGER NOT NULL CHECK (meter_start_wh >= 0),
    meter_stop_wh       INTEGER CHECK (meter_stop_wh >= meter_start_wh),
    tariff_snapshot     TEXT    NOT NULL, -- JSON of the tariff frozen at session start
    stop_reason         TEXT    NOT NULL DEFAULT '',
    ended_by            TEXT    CHECK (ended_by IN ('station', 'remote_stop', 'driver', 'admin_force_close')),
    CHECK (status <> 'ACTIVE' OR stopped_at IS NULL),
    CHECK (status <> 'COMPLETED' OR (stopped_at IS NOT NULL AND meter_stop_wh IS NOT NULL AND ended_by IS NOT NULL)),
    CHECK (stopped_at IS NULL OR stopped_at >= started_at)
);
CREATE INDEX charging_sessions_user ON charging_sessions (user_id, started_at DESC, id DESC);
CREATE UNIQUE INDEX charging_sessions_one_active_per_connector ON charging_sessions (connector_id) WHERE status = 'ACTIVE';
CREATE INDEX charging_sessions_active ON charging_sessions (status) WHERE status = 'ACTIVE';

CREATE TABLE meter_readings (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES charging_sessions (id),
    at         INTEGER NOT NULL,
    energy_wh  INTEGER NOT NULL CHECK (energy_wh >= 0), -- meter value, absolute
    power_w    INTEGER NOT NULL CHECK (power_w >= 0),
    soc_pct    INTEGER CHECK (soc_pct BETWEEN 0 AND 100)
);
CREATE INDEX meter_readings_session ON meter_readings (session_id, at);

-- A receipt is never edited: refunds and credit notes correct it.
CREATE TABLE receipts (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL UNIQUE REFERENCES charging_sessions (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    number      TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'failed', 'void')),
    currency    TEXT    NOT NULL DEFAULT 'EUR',
    net_cents   INTEGER NOT NULL CHECK (net_cents >= 0),
    vat_cents   INTEGER NOT NULL CHECK (vat_cents >= 0),
    gross_cents INTEGER NOT NULL CHECK (gross_cents = net_cents + vat_cents),
    issued_at   INTEGER NOT NULL
);
CREATE INDEX receipts_user ON receipts (user_id, issued_at DESC);

CREATE TABLE receipt_lines (
    id           INTEGER PRIMARY KEY,
    receipt_id   INTEGER NOT NULL REFERENCES receipts (id),
    position     INTEGER NOT NULL,
    dimension    TEXT    NOT NULL CHECK (dimension IN ('FLAT', 'ENERGY', 'TIME', 'PARKING_TIME', 'ADJUSTMENT')),
    measured_qty INTEGER NOT NULL, -- Wh or seconds (1 for FLAT)
    billed_qty   INTEGER NOT NULL, -- after step-size rounding
    unit_price   INTEGER NOT NULL, -- 1/10 000 EUR per kWh, hour or session
    vat_bp       INTEGER NOT NULL,
    net_cents    INTEGER NOT NULL,
    UNIQUE (receipt_id, position)
);

CREATE TABLE refunds (
    id                 INTEGER PRIMARY KEY,
    receipt_id         INTEGER NOT NULL REFERENCES receipts (id),
    user_id            INTEGER NOT NULL REFERENCES users (id),
    amount_cents       INTEGER NOT NULL CHECK (amount_cents > 0),
    reason             TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    reference          TEXT    NOT NULL DEFAULT '',
    credit_note_number TEXT    NOT NULL UNIQUE,
    created_by_user_id INTEGER REFERENCES users (id),
    created_at         INTEGER NOT NULL
);
CREATE INDEX refunds_receipt ON refunds (receipt_id);

-- The database itself refuses a refund above what remains of the receipt.
CREATE TRIGGER refunds_capped BEFORE INSERT ON refunds
WHEN NEW.amount_cents + (SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE receipt_id = NEW.receipt_id)
     > (SELECT gross_cents FROM receipts WHERE id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'refund exceeds the remaining receipt total');
END;

CREATE TABLE reservations (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id),
    evse_id          INTEGER NOT NULL REFERENCES evses (id),
    card_id          INTEGER NOT NULL REFERENCES ev_cards (id),
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('requested', 'accepted', 'used', 'cancelled', 'expired')),
    restored_from_id INTEGER REFERENCES reservations (id),
    created_at       INTEGER NOT NULL,
    cancelled_at     INTEGER,
    CHECK (ends_at > starts_at)
);
CREATE INDEX reservations_user ON reservations (user_id, starts_at DESC);
CREATE INDEX reservations_evse ON reservations (evse_id, starts_at);

-- The customer's own history of changes (cards, payment methods, reservations, admin fixes).
-- Sessions and receipts are read from their own tables.
CREATE TABLE activity (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    summary    TEXT    NOT NULL,
    actor_role TEXT    NOT NULL CHECK (actor_role IN ('customer', 'support', 'system'))
);
CREATE INDEX activity_user ON activity (user_id, at DESC, id DESC);

-- Append-only, hash-chained audit of authentication and privileged actions.
CREATE TABLE auth_audit (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    tag            TEXT    NOT NULL,
    actor_user_id  INTEGER,
    target_user_id INTEGER,
    ip             TEXT    NOT NULL DEFAULT '',
    user_agent     TEXT    NOT NULL DEFAULT '',
    metadata       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL UNIQUE
);
CREATE INDEX auth_audit_at ON auth_audit (at, id);
CREATE INDEX auth_audit_actor ON auth_audit (actor_user_id, id);
CREATE INDEX auth_audit_target ON auth_audit (target_user_id, id);
CREATE INDEX auth_audit_tag_ip ON auth_audit (tag, ip, at);

CREATE TRIGGER auth_audit_no_update BEFORE UPDATE ON auth_audit
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;
CREATE TRIGGER auth_audit_no_delete BEFORE DELETE ON auth_audit
BEGIN
    SELECT RAISE(ABORT, 'auth_audit is append-only');
END;
