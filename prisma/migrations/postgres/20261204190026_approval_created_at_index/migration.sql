-- CreateIndex
CREATE INDEX "Approval_createdAt_idx" ON "Approval"("createdAt");

