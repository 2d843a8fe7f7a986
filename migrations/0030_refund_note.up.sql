-- A refund's reason is what the customer reads (a line picked from a short list); what the
-- agent writes about it for colleagues is the internal note, never shown to the customer.
ALTER TABLE refunds ADD COLUMN internal_note TEXT NOT NULL DEFAULT '' CHECK (length(internal_note) <= 2000);
