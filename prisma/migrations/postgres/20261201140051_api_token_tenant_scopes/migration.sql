-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "tenantScopes" TEXT NOT NULL DEFAULT '*';

