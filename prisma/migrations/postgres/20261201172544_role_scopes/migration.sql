-- AlterTable
ALTER TABLE "User" ADD COLUMN     "roleScopes" TEXT;

-- AlterTable
ALTER TABLE "UserGrant" ADD COLUMN     "roleScopes" TEXT;

