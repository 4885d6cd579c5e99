-- AlterTable
ALTER TABLE "UserGrant" ADD COLUMN "groupId" TEXT;

-- CreateTable
CREATE TABLE "ReviewerGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "slackChannel" TEXT,
    "createdById" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ReviewerGroupMember" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "grantId" TEXT,
    "addedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("groupId", "userId")
);

-- CreateTable
CREATE TABLE "RouteReviewers" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "routeName" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL DEFAULT '*',
    "groupId" TEXT NOT NULL,
    "escalationChain" TEXT NOT NULL DEFAULT '',
    "requiredGroups" TEXT NOT NULL DEFAULT '',
    "updatedById" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ActionAsk" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "actionId" TEXT NOT NULL,
    "groupId" TEXT,
    "userId" TEXT,
    "reason" TEXT NOT NULL,
    "level" INTEGER NOT NULL DEFAULT 0,
    "askedById" TEXT,
    "askedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SlackLink" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "linkedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SlackLinkCode" (
    "codeHash" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SlackSeenRequest" (
    "signature" TEXT NOT NULL PRIMARY KEY,
    "seenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_NotificationOutbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "channel" TEXT NOT NULL DEFAULT 'email'
);
INSERT INTO "new_NotificationOutbox" ("attempts", "body", "createdAt", "id", "kind", "lastError", "nextAttemptAt", "recipient", "sentAt", "status", "subject", "subjectId", "userId") SELECT "attempts", "body", "createdAt", "id", "kind", "lastError", "nextAttemptAt", "recipient", "sentAt", "status", "subject", "subjectId", "userId" FROM "NotificationOutbox";
DROP TABLE "NotificationOutbox";
ALTER TABLE "new_NotificationOutbox" RENAME TO "NotificationOutbox";
CREATE INDEX "NotificationOutbox_status_nextAttemptAt_idx" ON "NotificationOutbox"("status", "nextAttemptAt");
CREATE UNIQUE INDEX "NotificationOutbox_kind_subjectId_userId_key" ON "NotificationOutbox"("kind", "subjectId", "userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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

