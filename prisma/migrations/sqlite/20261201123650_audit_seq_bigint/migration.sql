-- AuditEvent.seq and AuditHead.seq: nothing to do on SQLite, whose INTEGER is already 64-bit
-- (the PostgreSQL migration widens its 32-bit columns).

-- Sign-in failures: a text id (cuid) instead of an integer one, as on PostgreSQL. The rows live
-- for the rate-limit window; they are kept, their ids as text.
CREATE TABLE "new_SignInFailure" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_SignInFailure" ("id", "key", "at") SELECT CAST("id" AS TEXT), "key", "at" FROM "SignInFailure";
DROP TABLE "SignInFailure";
ALTER TABLE "new_SignInFailure" RENAME TO "SignInFailure";
CREATE INDEX "SignInFailure_key_at_idx" ON "SignInFailure"("key", "at");
