-- CreateTable
CREATE TABLE "CardView" (
    "actionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "firstServedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("actionId", "userId")
);

-- CreateTable
CREATE TABLE "CanaryEnrollment" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "enrolledById" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CanaryAction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "actionId" TEXT NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "placedById" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'pending',
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "CardView_userId_idx" ON "CardView"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "CanaryAction_actionId_key" ON "CanaryAction"("actionId");

-- CreateIndex
CREATE INDEX "CanaryAction_reviewerId_idx" ON "CanaryAction"("reviewerId");

