-- 64-bit audit sequence numbers: a 32-bit "seq" overflows after 2^31 events (about six days at
-- 2,000 audited requests a second), and then every audited write, so every decision, fails.

-- One row.
ALTER TABLE "AuditHead" ALTER COLUMN "seq" SET DATA TYPE BIGINT;

-- Changing a column's type rewrites the table and its indexes under an exclusive lock. A log of
-- fewer than gatehouse.audit_seq_inline_max events (default 500,000: a few seconds) is widened
-- here. A larger one is left as it is and widened online, while the service runs, by
-- `npm run db:widen-audit-seq` (docs/postgres-operations.md): a new column backfilled in
-- batches, its indexes built concurrently, then a swap that holds the lock for milliseconds.
-- The start warns until that is done.
DO $$
DECLARE
  inline_max bigint := coalesce(nullif(current_setting('gatehouse.audit_seq_inline_max', true), '')::bigint, 500000);
BEGIN
  IF (SELECT count(*) FROM (SELECT 1 FROM "AuditEvent" LIMIT inline_max) s) < inline_max THEN
    ALTER TABLE "AuditEvent" ALTER COLUMN "seq" SET DATA TYPE BIGINT;
  ELSE
    RAISE NOTICE 'AuditEvent.seq is still 32-bit: run npm run db:widen-audit-seq (docs/postgres-operations.md)';
  END IF;
END $$;

-- Sign-in failures: a text id instead of a 32-bit serial that every failed sign-in advanced.
-- Rows live for the rate-limit window, so the table is small and its rewrite brief.
ALTER TABLE "SignInFailure" ALTER COLUMN "id" DROP DEFAULT, ALTER COLUMN "id" SET DATA TYPE TEXT;
DROP SEQUENCE IF EXISTS "SignInFailure_id_seq";
