-- CreateTable
CREATE TABLE "McpUpstream" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "url" TEXT,
    "stdioCommand" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "maxConcurrent" INTEGER NOT NULL DEFAULT 8,
    "timeoutMs" INTEGER NOT NULL DEFAULT 15000,
    "requestedBy" TEXT,
    "approvedBy" TEXT,
    "lastOkAt" TIMESTAMP(3),
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpUpstream_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "McpUpstreamCredential" (
    "upstreamId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "sealedHeaders" TEXT NOT NULL,
    "updatedBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpUpstreamCredential_pkey" PRIMARY KEY ("upstreamId","tenantId","env")
);

-- CreateTable
CREATE TABLE "McpUpstreamTool" (
    "toolName" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpUpstreamTool_pkey" PRIMARY KEY ("toolName")
);

-- CreateTable
CREATE TABLE "McpSession" (
    "id" TEXT NOT NULL,
    "credentialId" TEXT NOT NULL,
    "routeName" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "McpSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "McpPendingCall" (
    "actionId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "sealedArgs" TEXT,
    "claimedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "sealedResult" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "McpPendingCall_pkey" PRIMARY KEY ("actionId")
);

-- CreateIndex
CREATE UNIQUE INDEX "McpUpstream_name_key" ON "McpUpstream"("name");

-- CreateIndex
CREATE UNIQUE INDEX "McpUpstreamTool_upstreamId_upstreamTool_key" ON "McpUpstreamTool"("upstreamId", "upstreamTool");

-- CreateIndex
CREATE INDEX "McpSession_credentialId_idx" ON "McpSession"("credentialId");

