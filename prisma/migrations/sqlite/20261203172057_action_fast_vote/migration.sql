-- The history's "decided in under 3 s" filter reads one column instead of scanning votes (lib/approvals/list-history.ts).
-- A plain ADD COLUMN: no rewrite of the Action table.
ALTER TABLE "Action" ADD COLUMN "fastVote" BOOLEAN NOT NULL DEFAULT false;

-- Older votes: a vote within 3,000 ms of the card's first serve to that voter (served before the vote; the same rule as
-- lib/approvals/card-views.ts). DateTimes are ISO-8601 text here; julianday's double is exact to well under a millisecond
-- once rounded.
UPDATE "Action" SET "fastVote" = true WHERE "id" IN (
  SELECT a."actionId" FROM "Approval" a
  JOIN "CardView" c ON c."actionId" = a."actionId" AND c."userId" = a."userId"
  WHERE c."firstServedAt" <= a."createdAt"
    AND ROUND((julianday(a."createdAt") - julianday(c."firstServedAt")) * 86400000.0) < 3000
);
