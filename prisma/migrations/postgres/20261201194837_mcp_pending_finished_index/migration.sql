-- CreateIndex
CREATE INDEX "McpPendingCall_finishedAt_idx" ON "McpPendingCall"("finishedAt");

