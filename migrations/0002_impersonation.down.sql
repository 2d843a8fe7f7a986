DROP TABLE impersonation_audit;
DROP TRIGGER impersonations_no_delete;
DROP TRIGGER impersonations_end_once;
DROP TABLE impersonations;
