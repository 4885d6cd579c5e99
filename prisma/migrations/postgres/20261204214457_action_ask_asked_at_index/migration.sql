-- On a large table, build the index beforehand with CREATE INDEX CONCURRENTLY (docs/postgres-operations.md): then this
-- keeps it. One left invalid by a failed concurrent build is dropped and built here.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('"ActionAsk_askedAt_idx"') AND NOT indisvalid) THEN
    DROP INDEX "ActionAsk_askedAt_idx";
  END IF;
END $$;
-- CreateIndex
CREATE INDEX IF NOT EXISTS "ActionAsk_askedAt_idx" ON "ActionAsk"("askedAt");
