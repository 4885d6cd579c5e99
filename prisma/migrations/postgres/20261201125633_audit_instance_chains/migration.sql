-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "chain" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "chainSeq" BIGINT;

-- CreateTable
CREATE TABLE "AuditChain" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "AuditChain_pkey" PRIMARY KEY ("id")
);

-- One hash chain per instance (lib/audit/append.ts, SECURITY.md): events of chain ≥ 1 take their
-- global "seq" (the console's order and paging key) from this sequence, under their chain's head
-- row lock; chain 0 (AuditHead) keeps the events from before, numbered 1…AuditHead.seq. Adding
-- the two columns with a constant default changes only the catalogue, at any table size.
CREATE SEQUENCE "AuditEvent_global_seq" AS BIGINT;
DO $$
BEGIN
  PERFORM setval('"AuditEvent_global_seq"', GREATEST((SELECT "seq" FROM "AuditHead" WHERE "id" = 1), 1), (SELECT "seq" FROM "AuditHead" WHERE "id" = 1) > 0);
END $$;
