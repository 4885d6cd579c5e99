import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { actionRow } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { actionIdsWithCardCopy } from "@/lib/db/tables/action";
import { finalStateAt, reduceDueCardCopies } from "@/lib/approvals/reduce-card-copies";

// The card-copy sweep reads only the actions whose retention is over: the SQL form of finalStateAt
// agrees with it row for row, and a crowd of old actions that finished late never holds up the rest.

let cleanup: () => Promise<void>;
const DAY = 86_400_000;
const now = new Date("2026-12-04T12:00:00.000Z");
const RETENTION_MS = 7 * DAY; // GATEHOUSE_CARD_COPY_RETENTION_SECONDS' default
const cutoff = new Date(now.getTime() - RETENTION_MS);
const at = (offsetMs: number | null) => (offsetMs === null ? null : new Date(cutoff.getTime() + offsetMs));

beforeAll(async () => {
  ({ cleanup } = await freshDb());
});
afterAll(async () => {
  await cleanup();
});

describe("the card-copy sweep's read", () => {
  it("selects exactly the rows finalStateAt puts at or before the cutoff, on every branch", async () => {
    // Each time is null, before the cutoff, on it, or after it.
    const times = [null, -3600_000, 0, 3600_000];
    const rows: ReturnType<typeof actionRow>[] = [];
    let n = 0;
    for (const status of ["approved", "allowed", "rejected", "expired", "denied", "cancelled", "pending"])
      for (const resultAt of [null, -1000, 1000])
        for (const redeemedAt of [null, -1000, 1000])
          for (const approvalValidUntil of times)
            for (const tokenExpiresAt of [null, -2000, 2000])
              for (const decidedAt of [null, -5000, 0, 5000])
                for (const updatedAt of [-7000, 7000])
                  rows.push(
                    actionRow(`act_cc_${String(n++).padStart(5, "0")}`, {
                      status,
                      createdAt: new Date(cutoff.getTime() - 10 * DAY),
                      resultAt: at(resultAt),
                      redeemedAt: at(redeemedAt),
                      approvalValidUntil: at(approvalValidUntil),
                      tokenExpiresAt: at(tokenExpiresAt),
                      decidedAt: at(decidedAt),
                      updatedAt: at(updatedAt),
                    }),
                  );
    // One created after the cutoff (never due yet, whatever its stamps) and one already reduced.
    rows.push(actionRow("act_cc_young", { status: "rejected", createdAt: at(1000), decidedAt: at(-1000), updatedAt: at(-1000) }));
    rows.push(actionRow("act_cc_reduced", { status: "rejected", createdAt: at(-DAY), decidedAt: at(-DAY), updatedAt: at(-DAY), cardReducedAt: at(-1000) }));
    await db().action.createMany({ data: rows });

    const stored = await db().action.findMany({ where: { id: { startsWith: "act_cc_" } } });
    const expected = stored
      .filter((a) => a.cardReducedAt === null && a.createdAt <= cutoff)
      .filter((a) => {
        const final = finalStateAt(a);
        return final !== null && final.getTime() <= cutoff.getTime();
      })
      .map((a) => a.id)
      .sort();
    const selected = (await sqlRead((sql) => actionIdsWithCardCopy(sql, cutoff, 100_000))).sort();
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(stored.length - 100);
    expect(selected).toEqual(expected);
    await db().action.deleteMany({ where: { id: { startsWith: "act_cc_" } } });
  });

  it("a due copy is reduced behind 600 older actions that finished too recently to be due", async () => {
    // Created 20 days ago, pending a week, expired 2 days ago: due in 5 days.
    await db().action.createMany({
      data: Array.from({ length: 600 }, (_, i) =>
        actionRow(`act_late_${String(i).padStart(3, "0")}`, {
          status: "expired",
          createdAt: new Date(now.getTime() - 20 * DAY + i),
          decidedAt: new Date(now.getTime() - 2 * DAY),
          updatedAt: new Date(now.getTime() - 2 * DAY),
          argsCardSealed: "sealed",
        }),
      ),
    });
    await db().action.create({
      data: actionRow("act_due", {
        status: "rejected",
        createdAt: new Date(now.getTime() - 9 * DAY),
        decidedAt: new Date(now.getTime() - 9 * DAY),
        updatedAt: new Date(now.getTime() - 9 * DAY),
        argsCardSealed: "sealed",
      }),
    });
    expect(await reduceDueCardCopies(500, now)).toBe(1);
    expect(await db().action.findUniqueOrThrow({ where: { id: "act_due" } })).toMatchObject({ argsCardSealed: null, cardReducedAt: now });
    expect(await db().action.count({ where: { id: { startsWith: "act_late_" }, cardReducedAt: null } })).toBe(600);
    // Five days on, they are due, 500 a sweep.
    const later = new Date(now.getTime() + 5 * DAY + 1000);
    expect((await reduceDueCardCopies(500, later)) + (await reduceDueCardCopies(500, later))).toBe(600);
  });
});
