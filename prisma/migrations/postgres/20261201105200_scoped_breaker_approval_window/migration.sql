-- AlterTable
ALTER TABLE "Action" ADD COLUMN     "approvalValidUntil" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "RouteBreaker" (
    "routeId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'closed',
    "count" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3),
    "openedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RouteBreaker_pkey" PRIMARY KEY ("routeId","tenantId","env")
);

-- CreateIndex
CREATE INDEX "RouteBreaker_state_idx" ON "RouteBreaker"("state");

-- Carry over: a breaker that was open route-wide stays open, for every scope, until a human resets it
-- (it cannot be attributed to one tenant, and closing it silently would fail open).
INSERT INTO "RouteBreaker" ("routeId", "tenantId", "env", "state", "count", "windowStart", "openedAt")
SELECT "id", '*', '*', 'open', "breakerCount", "breakerWindowStart", "breakerOpenedAt" FROM "Route" WHERE "breakerState" = 'open';

-- AlterTable
ALTER TABLE "Route" DROP COLUMN "breakerCount",
DROP COLUMN "breakerOpenedAt",
DROP COLUMN "breakerState",
DROP COLUMN "breakerWindowStart";
