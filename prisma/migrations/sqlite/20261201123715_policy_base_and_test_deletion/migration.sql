-- AlterTable
ALTER TABLE "PolicyVersion" ADD COLUMN "baseVersion" INTEGER;

-- AlterTable
ALTER TABLE "PolicyTest" ADD COLUMN "deleteReason" TEXT;
ALTER TABLE "PolicyTest" ADD COLUMN "deleteRequestedAt" DATETIME;
ALTER TABLE "PolicyTest" ADD COLUMN "deleteRequestedById" TEXT;

