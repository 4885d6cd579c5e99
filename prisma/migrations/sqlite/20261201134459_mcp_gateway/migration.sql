-- CreateTable
CREATE TABLE "McpUpstream" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "url" TEXT,
    "stdioCommand" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "maxConcurrent" INTEGER NOT NULL DEFAULT 8,
    "timeoutMs" INTEGER NOT NULL DEFAULT 15000,
    "requestedBy" TEXT,
    "approvedBy" TEXT,
    "lastOkAt" DATETIME,
    "lastError" TEXT,
    "lastErrorAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "McpUpstreamCredential" (
    "upstreamId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "sealedHeaders" TEXT NOT NULL,
    "updatedBy" TEXT,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("upstreamId", "tenantId", "env")
);

-- CreateTable
CREATE TABLE "McpUpstreamTool" (
    "toolName" TEXT NOT NULL PRIMARY KEY,
    "upstreamId" TEXT NOT NULL,
    "upstreamTool" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'unclassified',
    "observedDescription" TEXT NOT NULL,
    "observedSchema" TEXT NOT NULL,
    "observedHash" TEXT NOT NULL,
    "approvedDescription" TEXT,
    "approvedSchema" TEXT,
    "approvedHash" TEXT,
    "suggestedKind" TEXT NOT NULL,
    "idempotent" BOOLEAN NOT NULL DEFAULT false,
    "redactResults" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "McpSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "credentialId" TEXT NOT NULL,
    "routeName" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME
);

-- CreateTable
CREATE TABLE "McpPendingCall" (
    "actionId" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "sealedArgs" TEXT,
    "claimedAt" DATETIME,
    "finishedAt" DATETIME,
    "sealedResult" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "McpUpstream_name_key" ON "McpUpstream"("name");

-- CreateIndex
CREATE UNIQUE INDEX "McpUpstreamTool_upstreamId_upstreamTool_key" ON "McpUpstreamTool"("upstreamId", "upstreamTool");

-- CreateIndex
CREATE INDEX "McpSession_credentialId_idx" ON "McpSession"("credentialId");

