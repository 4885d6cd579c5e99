-- Audit rows are append-only: the database itself refuses UPDATE and DELETE.
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- The chain starts from a fixed genesis hash.
INSERT INTO "AuditHead" ("id", "seq", "hash") VALUES (1, 0, 'genesis');
