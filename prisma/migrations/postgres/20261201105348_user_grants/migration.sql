-- AlterTable
ALTER TABLE "Approval" ADD COLUMN     "channel" TEXT NOT NULL DEFAULT 'console';

-- CreateTable
CREATE TABLE "UserGrant" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "userId" TEXT,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "roles" TEXT NOT NULL,
    "baseRoles" TEXT,
    "passwordHash" TEXT,
    "requestedById" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "reason" TEXT,

    CONSTRAINT "UserGrant_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "UserGrant_status_idx" ON "UserGrant"("status");

-- CreateIndex
CREATE INDEX "UserGrant_userId_status_decidedAt_idx" ON "UserGrant"("userId", "status", "decidedAt");

