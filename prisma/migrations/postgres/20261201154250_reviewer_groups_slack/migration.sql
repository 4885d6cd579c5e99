-- AlterTable
ALTER TABLE "UserGrant" ADD COLUMN     "groupId" TEXT;

-- AlterTable
ALTER TABLE "NotificationOutbox" ADD COLUMN     "channel" TEXT NOT NULL DEFAULT 'email';

-- CreateTable
CREATE TABLE "ReviewerGroup" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slackChannel" TEXT,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewerGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewerGroupMember" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "grantId" TEXT,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewerGroupMember_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateTable
CREATE TABLE "RouteReviewers" (
    "id" TEXT NOT NULL,
    "routeName" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL DEFAULT '*',
    "groupId" TEXT NOT NULL,
    "escalationChain" TEXT NOT NULL DEFAULT '',
    "requiredGroups" TEXT NOT NULL DEFAULT '',
    "updatedById" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RouteReviewers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActionAsk" (
    "id" TEXT NOT NULL,
    "actionId" TEXT NOT NULL,
    "groupId" TEXT,
    "userId" TEXT,
    "reason" TEXT NOT NULL,
    "level" INTEGER NOT NULL DEFAULT 0,
    "askedById" TEXT,
    "askedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActionAsk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlackLink" (
    "userId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "linkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackLink_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "SlackLinkCode" (
    "codeHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackLinkCode_pkey" PRIMARY KEY ("codeHash")
);

-- CreateTable
CREATE TABLE "SlackSeenRequest" (
    "signature" TEXT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackSeenRequest_pkey" PRIMARY KEY ("signature")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReviewerGroup_name_key" ON "ReviewerGroup"("name");

-- CreateIndex
CREATE INDEX "ReviewerGroupMember_userId_idx" ON "ReviewerGroupMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "RouteReviewers_routeName_tenantId_key" ON "RouteReviewers"("routeName", "tenantId");

-- CreateIndex
CREATE INDEX "ActionAsk_actionId_idx" ON "ActionAsk"("actionId");

-- CreateIndex
CREATE UNIQUE INDEX "ActionAsk_actionId_reason_level_key" ON "ActionAsk"("actionId", "reason", "level");

-- CreateIndex
CREATE UNIQUE INDEX "SlackLink_teamId_slackUserId_key" ON "SlackLink"("teamId", "slackUserId");

-- CreateIndex
CREATE INDEX "SlackLinkCode_userId_idx" ON "SlackLinkCode"("userId");

-- CreateIndex
CREATE INDEX "SlackSeenRequest_seenAt_idx" ON "SlackSeenRequest"("seenAt");

