-- AlterTable
ALTER TABLE "RouteReviewers" ADD COLUMN "pendingAt" DATETIME;
ALTER TABLE "RouteReviewers" ADD COLUMN "pendingById" TEXT;
ALTER TABLE "RouteReviewers" ADD COLUMN "pendingRequiredGroups" TEXT;

