-- OCPP 1.6 reserves "now, until expiryDate" (ReserveNow), so a reservation is sent to its
-- charger when its window starts (CancelReservation when it is cancelled while held there).
-- What the charger answered, and when, is kept for the driver's page and for support.
ALTER TABLE reservations ADD COLUMN charger_answer TEXT;
ALTER TABLE reservations ADD COLUMN charger_answer_at INTEGER;
-- The maintenance round finds the reservations whose window has started and that the charger
-- has not been asked about yet.
CREATE INDEX reservations_due ON reservations (starts_at) WHERE status = 'accepted' AND charger_answer IS NULL;
