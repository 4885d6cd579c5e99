-- AlterTable
ALTER TABLE "PolicyVersion" ADD COLUMN     "baseVersion" INTEGER;

-- AlterTable
ALTER TABLE "PolicyTest" ADD COLUMN     "deleteReason" TEXT,
ADD COLUMN     "deleteRequestedAt" TIMESTAMP(3),
ADD COLUMN     "deleteRequestedById" TEXT;

