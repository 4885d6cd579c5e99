-- CreateTable
CREATE TABLE "UserGrant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "userId" TEXT,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "roles" TEXT NOT NULL,
    "baseRoles" TEXT,
    "passwordHash" TEXT,
    "requestedById" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decidedById" TEXT,
    "decidedAt" DATETIME,
    "reason" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Approval" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "actionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "vote" TEXT NOT NULL,
    "comment" TEXT,
    "breakGlassSessionId" TEXT,
    "timeOnCardMs" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "channel" TEXT NOT NULL DEFAULT 'console'
);
INSERT INTO "new_Approval" ("actionId", "breakGlassSessionId", "comment", "createdAt", "id", "timeOnCardMs", "userId", "vote") SELECT "actionId", "breakGlassSessionId", "comment", "createdAt", "id", "timeOnCardMs", "userId", "vote" FROM "Approval";
DROP TABLE "Approval";
ALTER TABLE "new_Approval" RENAME TO "Approval";
CREATE INDEX "Approval_actionId_idx" ON "Approval"("actionId");
CREATE UNIQUE INDEX "Approval_actionId_userId_key" ON "Approval"("actionId", "userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "UserGrant_status_idx" ON "UserGrant"("status");

-- CreateIndex
CREATE INDEX "UserGrant_userId_status_decidedAt_idx" ON "UserGrant"("userId", "status", "decidedAt");

