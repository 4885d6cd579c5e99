-- The history orders by the decision's time (lib/approvals/list-history.ts). Every final state sets "decidedAt";
-- a row in a final state without one (none is known) takes its last change as its decision time.
UPDATE "Action" SET "decidedAt" = "updatedAt" WHERE "status" <> 'pending' AND "decidedAt" IS NULL;

-- CreateIndex
CREATE INDEX "Action_decidedAt_id_idx" ON "Action"("decidedAt", "id");
