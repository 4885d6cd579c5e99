-- AlterTable
ALTER TABLE "User" ADD COLUMN "passwordSetBy" TEXT;

