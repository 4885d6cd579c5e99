-- AlterTable
ALTER TABLE "RouteReviewers" ADD COLUMN     "pendingAt" TIMESTAMP(3),
ADD COLUMN     "pendingById" TEXT,
ADD COLUMN     "pendingRequiredGroups" TEXT;

