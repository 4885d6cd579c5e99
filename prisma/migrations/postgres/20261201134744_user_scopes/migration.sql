-- AlterTable
ALTER TABLE "User" ADD COLUMN     "scopes" TEXT NOT NULL DEFAULT '*';

-- AlterTable
ALTER TABLE "UserGrant" ADD COLUMN     "scopes" TEXT;

