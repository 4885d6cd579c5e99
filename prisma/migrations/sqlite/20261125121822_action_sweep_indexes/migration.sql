-- CreateIndex
CREATE INDEX "Action_status_expiresAt_idx" ON "Action"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "Action_status_escalatedAt_createdAt_idx" ON "Action"("status", "escalatedAt", "createdAt");

