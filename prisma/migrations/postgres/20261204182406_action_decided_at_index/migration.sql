-- The history orders by the decision's time (lib/approvals/list-history.ts). Every final state sets "decidedAt";
-- a row in a final state without one (none is known) takes its last change as its decision time.
UPDATE "Action" SET "decidedAt" = "updatedAt" WHERE "status" <> 'pending' AND "decidedAt" IS NULL;

-- On a large table, build the index beforehand with CREATE INDEX CONCURRENTLY (docs/postgres-operations.md): then this
-- keeps it. One left invalid by a failed concurrent build is dropped and built here.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('"Action_decidedAt_id_idx"') AND NOT indisvalid) THEN
    DROP INDEX "Action_decidedAt_id_idx";
  END IF;
END $$;
-- CreateIndex
CREATE INDEX IF NOT EXISTS "Action_decidedAt_id_idx" ON "Action"("decidedAt", "id");
