-- AlterTable
ALTER TABLE "Tool" ADD COLUMN     "displaySpec" TEXT,
ADD COLUMN     "previewAllowPrivate" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "previewUrl" TEXT;

-- AlterTable
ALTER TABLE "Action" ADD COLUMN     "argsCardSealed" TEXT,
ADD COLUMN     "cardReducedAt" TIMESTAMP(3),
ADD COLUMN     "previewAt" TIMESTAMP(3),
ADD COLUMN     "previewClaimedUntil" TIMESTAMP(3),
ADD COLUMN     "previewResult" TEXT,
ADD COLUMN     "previewStatus" TEXT;

-- CreateIndex
CREATE INDEX "Action_previewStatus_previewClaimedUntil_idx" ON "Action"("previewStatus", "previewClaimedUntil");

-- CreateIndex
CREATE INDEX "Action_cardReducedAt_createdAt_idx" ON "Action"("cardReducedAt", "createdAt");


-- Actions from before card copies have none to reduce: mark them reduced, so the sweep (lib/approvals/reduce-card-copies.ts) never reads them.
UPDATE "Action" SET "cardReducedAt" = "updatedAt" WHERE "argsCardSealed" IS NULL;
