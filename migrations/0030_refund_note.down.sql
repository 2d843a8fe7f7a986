ALTER TABLE refunds DROP COLUMN internal_note;
