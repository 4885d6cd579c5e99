-- CreateIndex
CREATE INDEX "IssuedToken_expiresAt_idx" ON "IssuedToken"("expiresAt");

