-- AlterTable
ALTER TABLE "Action" ADD COLUMN "approvalValidUntil" DATETIME;

-- CreateTable
CREATE TABLE "RouteBreaker" (
    "routeId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'closed',
    "count" INTEGER NOT NULL DEFAULT 0,
    "windowStart" DATETIME,
    "openedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("routeId", "tenantId", "env")
);

-- Carry over: a breaker that was open route-wide stays open, for every scope, until a human resets it
-- (it cannot be attributed to one tenant, and closing it silently would fail open).
INSERT INTO "RouteBreaker" ("routeId", "tenantId", "env", "state", "count", "windowStart", "openedAt")
SELECT "id", '*', '*', 'open', "breakerCount", "breakerWindowStart", "breakerOpenedAt" FROM "Route" WHERE "breakerState" = 'open';

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Route" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "activeVersion" INTEGER NOT NULL,
    "breakerThreshold" INTEGER NOT NULL DEFAULT 20,
    "breakerWindowSeconds" INTEGER NOT NULL DEFAULT 60,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Route" ("activeVersion", "breakerThreshold", "breakerWindowSeconds", "createdAt", "description", "id", "name") SELECT "activeVersion", "breakerThreshold", "breakerWindowSeconds", "createdAt", "description", "id", "name" FROM "Route";
DROP TABLE "Route";
ALTER TABLE "new_Route" RENAME TO "Route";
CREATE UNIQUE INDEX "Route_name_key" ON "Route"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RouteBreaker_state_idx" ON "RouteBreaker"("state");

