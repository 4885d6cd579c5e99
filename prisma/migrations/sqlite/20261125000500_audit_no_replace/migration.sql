-- INSERT OR REPLACE deletes the old row without firing the DELETE trigger
-- (recursive_triggers is off), so refuse any insert that reuses a sequence.
CREATE TRIGGER "AuditEvent_no_replace" BEFORE INSERT ON "AuditEvent"
WHEN EXISTS (SELECT 1 FROM "AuditEvent" WHERE "seq" = NEW."seq")
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
