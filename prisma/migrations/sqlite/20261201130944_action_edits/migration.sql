-- CreateTable
CREATE TABLE "ActionEdit" (
    "actionId" TEXT NOT NULL PRIMARY KEY,
    "originalArgsHash" TEXT NOT NULL,
    "originalArgsDisplay" TEXT NOT NULL,
    "editedArgsSealed" TEXT NOT NULL,
    "editedById" TEXT NOT NULL,
    "editedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

