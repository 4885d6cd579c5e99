-- CreateIndex
CREATE INDEX "ActionAsk_askedAt_idx" ON "ActionAsk"("askedAt");

