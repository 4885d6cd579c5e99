-- AlterTable
ALTER TABLE "Action" ADD COLUMN "argsCardSealed" TEXT;
ALTER TABLE "Action" ADD COLUMN "cardReducedAt" DATETIME;
ALTER TABLE "Action" ADD COLUMN "previewAt" DATETIME;
ALTER TABLE "Action" ADD COLUMN "previewClaimedUntil" DATETIME;
ALTER TABLE "Action" ADD COLUMN "previewResult" TEXT;
ALTER TABLE "Action" ADD COLUMN "previewStatus" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Tool" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "argsSchema" TEXT NOT NULL,
    "summaryTemplate" TEXT NOT NULL,
    "blastRadius" TEXT NOT NULL,
    "undo" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "displaySpec" TEXT,
    "previewUrl" TEXT,
    "previewAllowPrivate" BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO "new_Tool" ("argsSchema", "blastRadius", "createdAt", "description", "kind", "name", "summaryTemplate", "undo", "updatedAt") SELECT "argsSchema", "blastRadius", "createdAt", "description", "kind", "name", "summaryTemplate", "undo", "updatedAt" FROM "Tool";
DROP TABLE "Tool";
ALTER TABLE "new_Tool" RENAME TO "Tool";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Action_previewStatus_previewClaimedUntil_idx" ON "Action"("previewStatus", "previewClaimedUntil");

-- CreateIndex
CREATE INDEX "Action_cardReducedAt_createdAt_idx" ON "Action"("cardReducedAt", "createdAt");


-- Actions from before card copies have none to reduce: mark them reduced, so the sweep (lib/approvals/reduce-card-copies.ts) never reads them.
UPDATE "Action" SET "cardReducedAt" = "updatedAt" WHERE "argsCardSealed" IS NULL;
