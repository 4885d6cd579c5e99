-- CreateTable
CREATE TABLE "ActionEdit" (
    "actionId" TEXT NOT NULL,
    "originalArgsHash" TEXT NOT NULL,
    "originalArgsDisplay" TEXT NOT NULL,
    "editedArgsSealed" TEXT NOT NULL,
    "editedById" TEXT NOT NULL,
    "editedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActionEdit_pkey" PRIMARY KEY ("actionId")
);

