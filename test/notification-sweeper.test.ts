import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { actionRow, makeUser, notificationsOff, notificationsOn } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { FULL_SWEEP_MS, SWEEP_OVERLAP_MS, notificationSweeper } from "@/lib/notifications/sweep";
import { reassignAction } from "@/lib/approvals/reassign-action";

// The background worker's notification sweep: a full pass every minute, and in between only the
// pending actions that changed, so a long queue costs what changed rather than its length.

let cleanup: () => Promise<void>;
const u: Record<string, string> = {};
const OLD = 300;
const old = Array.from({ length: OLD }, (_, i) => `act_sweeper_old_${String(i).padStart(3, "0")}`);
const sweep = notificationSweeper();

const told = async (kind: string, id: string) =>
  (await db().notificationOutbox.findMany({ where: { kind, subjectId: id }, select: { recipient: true } })).map((r) => r.recipient).sort();

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  // Enqueueing needs a channel configured; nothing is delivered here.
  await notificationsOn("smtp://127.0.0.1:1"); // only the users made here are told
  u.acme = await makeUser("acme.sweeper@example.com", ["reviewer"]);
  u.all = await makeUser("all.sweeper@example.com", ["reviewer"]);
  u.admin = await makeUser("admin.sweeper@example.com", ["admin"]);
  await db().user.update({ where: { id: u.acme }, data: { scopes: "acme/prod" } });
  const now = Date.now();
  await db().action.createMany({
    data: old.map((id, i) => actionRow(id, { createdAt: new Date(now - 3600_000 + i), expiresAt: new Date(now + 3600_000) })),
  });
}, 60_000);
afterAll(async () => {
  notificationsOff();
  await cleanup();
});

describe("the notification sweeper", () => {
  it("sweeps everything first, then visits nothing while nothing changed", async () => {
    const first = await sweep();
    expect(first).toMatchObject({ full: true, considered: OLD, written: 2 * OLD });
    expect(await told("pending_action", old[0]!)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);
    expect(await sweep()).toEqual({ full: false, considered: 0, written: 0 });
  });

  it("in between, tells of a new action, an escalation, a reassignment and a near expiry, visiting only those", async () => {
    const fresh = "act_sweeper_new";
    await db().action.create({ data: actionRow(fresh, { expiresAt: new Date(Date.now() + 3600_000) }) });
    let r = await sweep();
    expect(r).toMatchObject({ full: false, written: 2 });
    expect(r.considered).toBeLessThanOrEqual(2);
    expect(await told("pending_action", fresh)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);

    await db().action.update({ where: { id: old[10]! }, data: { escalatedAt: new Date() } });
    r = await sweep();
    expect(r.full).toBe(false);
    expect(r.considered).toBeLessThanOrEqual(3);
    expect(await told("escalation", old[10]!)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);

    await reassignAction(old[20]!, { user_id: u.acme! }, { actorId: u.admin! });
    r = await sweep();
    expect(r.full).toBe(false);
    expect(r.considered).toBeLessThanOrEqual(4);
    expect(await told("reassigned", old[20]!)).toEqual(["acme.sweeper@example.com"]);

    await db().action.update({ where: { id: old[30]! }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    r = await sweep();
    expect(r.full).toBe(false);
    expect(r.considered).toBeLessThanOrEqual(5);
    expect(await told("expiry_soon", old[30]!)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);
  });

  it("reaches back past its last start: a row stamped just before that sweep but committed after it is still told", async () => {
    const late = "act_sweeper_late";
    await sweep();
    // Stamped 5 s ago (inside SWEEP_OVERLAP_MS), as a transaction that began before the last sweep's read and committed after it.
    expect(SWEEP_OVERLAP_MS).toBeGreaterThan(5_000);
    await db().action.create({ data: actionRow(late, { createdAt: new Date(Date.now() - 5_000), expiresAt: new Date(Date.now() + 3600_000) }) });
    const r = await sweep();
    expect(r.full).toBe(false);
    expect(await told("pending_action", late)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);
  });

  it("what only a full sweep sees (a reviewer added) reaches them within FULL_SWEEP_MS", async () => {
    const added = await makeUser("added.sweeper@example.com", ["reviewer"]);
    expect(await sweep()).toMatchObject({ full: false });
    // An untouched old action is not visited in between, so its new reviewer is not told yet.
    expect(await told("pending_action", old[0]!)).toEqual(["acme.sweeper@example.com", "all.sweeper@example.com"]);
    const r = await sweep(new Date(Date.now() + FULL_SWEEP_MS + 1_000));
    expect(r.full).toBe(true);
    expect(await told("pending_action", old[0]!)).toEqual(["acme.sweeper@example.com", "added.sweeper@example.com", "all.sweeper@example.com"]);
    expect(await db().notificationOutbox.count({ where: { kind: "pending_action", userId: added } })).toBe(OLD + 2);
  });
});
