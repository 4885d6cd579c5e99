-- The history's "decided in under 3 s" filter reads one column instead of scanning votes (lib/approvals/list-history.ts).
-- ADD COLUMN with a constant default is a catalog change on PostgreSQL 11+: no table rewrite.
ALTER TABLE "Action" ADD COLUMN "fastVote" BOOLEAN NOT NULL DEFAULT false;

-- Older votes: a vote within 3,000 ms of the card's first serve to that voter (served before the vote; the same rule as
-- lib/approvals/card-views.ts). Touches only the actions that had such a vote.
UPDATE "Action" SET "fastVote" = true WHERE "id" IN (
  SELECT a."actionId" FROM "Approval" a
  JOIN "CardView" c ON c."actionId" = a."actionId" AND c."userId" = a."userId"
  WHERE c."firstServedAt" <= a."createdAt"
    AND a."createdAt" - c."firstServedAt" < interval '3 seconds'
);
