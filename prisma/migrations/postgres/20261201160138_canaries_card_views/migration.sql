-- CreateTable
CREATE TABLE "CardView" (
    "actionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "firstServedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CardView_pkey" PRIMARY KEY ("actionId","userId")
);

-- CreateTable
CREATE TABLE "CanaryEnrollment" (
    "userId" TEXT NOT NULL,
    "enrolledById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CanaryEnrollment_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "CanaryAction" (
    "id" TEXT NOT NULL,
    "actionId" TEXT NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "placedById" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'pending',
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CanaryAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CardView_userId_idx" ON "CardView"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "CanaryAction_actionId_key" ON "CanaryAction"("actionId");

-- CreateIndex
CREATE INDEX "CanaryAction_reviewerId_idx" ON "CanaryAction"("reviewerId");

