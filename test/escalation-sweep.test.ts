import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { actionRow, makeRoute } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { advanceEscalationChains, escalateDueActions } from "@/lib/approvals/escalate-due";

// The escalation sweeps look past a crowd of actions that are not due: a busy route with a long
// escalation delay, or actions at the end of their chain, never keep a due one from escalating.

let cleanup: () => Promise<void>;
const now = new Date("2026-12-04T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const approval = (escalate_after_seconds: number) => ({
  approval: { write_approvals: 1, pending_ttl_seconds: 86_400 * 2, escalate_after_seconds, reads_require_approval: false },
});
const CROWD = 450; // more than two of the sweeps' batches of 200

beforeAll(async () => {
  ({ cleanup } = await freshDb());
});
afterAll(async () => {
  await cleanup();
});

describe("escalation sweeps", () => {
  it("a due action escalates even behind older pending actions of a route that escalates after a day", async () => {
    const slow = await makeRoute("slow/route", approval(86_400));
    const fast = await makeRoute("fast/route", approval(60));
    await db().action.createMany({
      data: Array.from({ length: CROWD }, (_, i) =>
        actionRow(`act_slow_${String(i).padStart(3, "0")}`, {
          routeId: slow,
          routeName: "slow/route",
          createdAt: new Date(ago(7200).getTime() + i),
          expiresAt: new Date(now.getTime() + 2 * 86_400_000),
        }),
      ),
    });
    await db().action.create({ data: actionRow("act_fast_due", { routeId: fast, routeName: "fast/route", createdAt: ago(120), expiresAt: new Date(now.getTime() + 3600_000) }) });
    await db().action.create({
      data: actionRow("act_fast_not_yet", { routeId: fast, routeName: "fast/route", createdAt: ago(30), expiresAt: new Date(now.getTime() + 3600_000) }),
    });

    expect(await escalateDueActions(now)).toBe(1);
    expect((await db().action.findUniqueOrThrow({ where: { id: "act_fast_due" } })).escalatedAt).toEqual(now);
    expect((await db().action.findUniqueOrThrow({ where: { id: "act_fast_not_yet" } })).escalatedAt).toBeNull();
    expect(await db().action.count({ where: { routeName: "slow/route", escalatedAt: { not: null } } })).toBe(0);
    expect(await db().auditEvent.count({ where: { type: "action.escalated", actionId: "act_fast_due" } })).toBe(1);
    // A day on, the slow route's crowd is due too: 200 a sweep, all of them in the end, once each.
    const later = new Date(now.getTime() + 86_400_000);
    let total = 0;
    for (let i = 0; i < 5; i++) total += await escalateDueActions(later);
    expect(total).toBe(CROWD); // act_fast_not_yet has expired by then
    expect(await escalateDueActions(later)).toBe(0);
  });

  it("a chain's next step is asked even behind older escalated actions at the end of their chain", async () => {
    const ended = await makeRoute("ended/route", approval(60));
    const chained = await makeRoute("chained/route", approval(60));
    const groups = await Promise.all(["g-first", "g-second", "g-third"].map((name) => db().reviewerGroup.create({ data: { name, createdById: "admin" } })));
    const [g1, g2, g3] = groups.map((g) => g.id) as [string, string, string];
    // Two routes with a two-step chain after their own group.
    for (const routeName of ["ended/route", "chained/route"]) {
      await db().routeReviewers.create({ data: { routeName, tenantId: "*", groupId: g1, escalationChain: `${g2},${g3}`, updatedById: "admin" } });
    }
    // The crowd: escalated long ago and asked at both steps already (nothing left to ask).
    const crowd = Array.from({ length: CROWD }, (_, i) => `act_ended_${String(i).padStart(3, "0")}`);
    await db().action.createMany({
      data: crowd.map((id, i) =>
        actionRow(id, {
          routeId: ended,
          routeName: "ended/route",
          createdAt: new Date(ago(7200).getTime() + i),
          escalatedAt: ago(7000),
          expiresAt: new Date(now.getTime() + 86_400_000),
        }),
      ),
    });
    await db().actionAsk.createMany({
      data: crowd.flatMap((actionId) => [
        { actionId, reason: "escalated", level: 1, groupId: g2, askedAt: ago(7000) },
        { actionId, reason: "escalated", level: 2, groupId: g3, askedAt: ago(6900) },
      ]),
    });
    // Newer, at step 1, and due for step 2 (created 130 s ago, 2 × 60 s).
    await db().action.create({
      data: actionRow("act_chain_due", { routeId: chained, routeName: "chained/route", createdAt: ago(130), escalatedAt: ago(65), expiresAt: new Date(now.getTime() + 3600_000) }),
    });
    await db().actionAsk.create({ data: { actionId: "act_chain_due", reason: "escalated", level: 1, groupId: g2, askedAt: ago(65) } });

    expect(await advanceEscalationChains(now)).toBe(1);
    expect(await db().actionAsk.findMany({ where: { actionId: "act_chain_due" }, orderBy: { level: "asc" }, select: { level: true, groupId: true } })).toEqual([
      { level: 1, groupId: g2 },
      { level: 2, groupId: g3 },
    ]);
    expect(await advanceEscalationChains(now)).toBe(0);
    expect(await db().actionAsk.count({ where: { actionId: { in: crowd }, level: { gt: 2 } } })).toBe(0);
  });
});
