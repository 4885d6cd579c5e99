-- CreateIndex
CREATE INDEX "AuditEvent_env_seq_idx" ON "AuditEvent"("env", "seq");

