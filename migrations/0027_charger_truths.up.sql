-- What chargers that misbehave leave behind (issue 26).
-- A reading's current per phase in mA (NULL: not reported), and whether its power was
-- reported at all (0: the charger sent no power; the engine works it out from the register).
-- Existing readings keep their meaning: power reported.
ALTER TABLE meter_readings ADD COLUMN current_ma INTEGER CHECK (current_ma >= 0);
ALTER TABLE meter_readings ADD COLUMN power_known INTEGER NOT NULL DEFAULT 1 CHECK (power_known IN (0, 1));

-- clock_note: a timestamp of the charger's was not believed and the server's receive time was
-- used instead (what, and why). held_reason: the session's energy is more than its connector can
-- deliver in the time, so no receipt is issued and no payment taken until an admin releases it
-- at a corrected reading or voids it (held_outcome: released | voided).
ALTER TABLE charging_sessions ADD COLUMN clock_note TEXT NOT NULL DEFAULT '';
ALTER TABLE charging_sessions ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE charging_sessions ADD COLUMN held_outcome TEXT NOT NULL DEFAULT '' CHECK (held_outcome IN ('', 'released', 'voided'));
CREATE INDEX charging_sessions_held ON charging_sessions (user_id) WHERE held_reason <> '' AND held_outcome = '';

-- The charger's clock was found wrong (when, and what it said), for its console page.
ALTER TABLE chargers ADD COLUMN clock_note TEXT NOT NULL DEFAULT '';

-- A card's UID (an OCPP idTag) is case-insensitive (OCPP 1.6 §7.28): one card per spelling.
CREATE UNIQUE INDEX ev_cards_uid_nocase ON ev_cards (uid COLLATE NOCASE);
