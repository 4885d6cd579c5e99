-- Per-instance audit chains are a PostgreSQL feature (several instances); SQLite has one writer
-- and keeps appending to chain 0 (AuditHead). The columns and the table exist on both so the
-- schema is one: every SQLite event has chain 0 and no chainSeq.
ALTER TABLE "AuditEvent" ADD COLUMN "chain" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "AuditEvent" ADD COLUMN "chainSeq" BIGINT;

CREATE TABLE "AuditChain" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "claimedAt" DATETIME NOT NULL,
    "closedAt" DATETIME
);
