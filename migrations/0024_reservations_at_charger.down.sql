DROP INDEX reservations_due;
ALTER TABLE reservations DROP COLUMN charger_answer_at;
ALTER TABLE reservations DROP COLUMN charger_answer;
