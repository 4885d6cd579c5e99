import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { parseEnv, resetEnvForTests } from "@/lib/env";
import { TRIM_BATCH, trimDeliveries, trimDueRecords, trimNotifications } from "@/lib/retention/trim";
import { listDeliveryPage, retryDelivery } from "@/lib/webhook-admin/deliveries";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { describeRetention } from "@/lib/console/describe-deployment";

// The delivery log and the notification outbox keep finished rows for their retention, then the
// sweep deletes them in audited batches; nothing waiting is ever deleted.

let cleanup: () => Promise<void>;
let admin: string;
const DAY = 86_400_000;
const now = new Date("2026-12-04T12:00:00.000Z");
const ago = (days: number) => new Date(now.getTime() - days * DAY);

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  admin = await makeUser("retention-admin@gatehouse.local", ["admin"]);
});
afterAll(async () => {
  delete process.env.GATEHOUSE_DELIVERY_RETENTION_SECONDS;
  resetEnvForTests();
  await cleanup();
});
beforeEach(async () => {
  await db().webhookAttempt.deleteMany({});
  await db().webhookDelivery.deleteMany({});
  await db().notificationOutbox.deleteMany({});
});

async function delivery(label: string, status: string, createdDaysAgo: number, lastDueDaysAgo = createdDaysAgo, attempts = 2): Promise<string> {
  const d = await db().webhookDelivery.create({
    data: {
      kind: "webhook",
      url: `https://hooks.example.com/${label}`,
      event: "action.approved",
      payload: "{}",
      status,
      attempts,
      createdAt: ago(createdDaysAgo),
      nextAttemptAt: ago(lastDueDaysAgo),
    },
  });
  for (let i = 0; i < attempts; i++) await db().webhookAttempt.create({ data: { deliveryId: d.id, at: ago(lastDueDaysAgo), statusCode: 500, durationMs: 12 } });
  return d.id;
}

async function outbox(label: string, status: string, createdDaysAgo: number): Promise<string> {
  const row = await db().notificationOutbox.create({
    data: {
      kind: "pending_action",
      subjectId: `act-${label}`,
      userId: "u-1",
      recipient: "reviewer@example.com",
      subject: "s",
      body: "b",
      status,
      createdAt: ago(createdDaysAgo),
      nextAttemptAt: ago(createdDaysAgo),
    },
  });
  return row.id;
}

const trimEvents = (type: string) => db().auditEvent.findMany({ where: { type }, orderBy: { seq: "asc" } });

describe("delivery log retention (GATEHOUSE_DELIVERY_RETENTION_SECONDS, default 30 days)", () => {
  it("deletes finished deliveries past it with their attempts, in one audited batch; keeps waiting, newer and retried ones", async () => {
    const delivered = await delivery("delivered", "delivered", 31);
    const failed = await delivery("failed", "failed", 40);
    const gone = await delivery("gone", "gone", 31);
    const waiting = await delivery("waiting", "pending", 45); // still being retried: never deleted
    const recent = await delivery("recent", "failed", 29);
    const retried = await delivery("retried", "failed", 60, 2); // an admin queued it again 2 days ago; it failed again
    const before = (await trimEvents("webhook.deliveries_trimmed")).length;

    expect(await trimDeliveries(now)).toBe(3);

    const left = (await db().webhookDelivery.findMany({ select: { id: true } })).map((r) => r.id).sort();
    expect(left).toEqual([waiting, recent, retried].sort());
    const attemptsOf = new Set((await db().webhookAttempt.findMany({ select: { deliveryId: true } })).map((a) => a.deliveryId));
    for (const id of [delivered, failed, gone]) expect(attemptsOf.has(id)).toBe(false);
    for (const id of [waiting, recent, retried]) expect(attemptsOf.has(id)).toBe(true);
    const events = await trimEvents("webhook.deliveries_trimmed");
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ actorType: "system", actorId: "retention" });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ count: 3, before: ago(30).toISOString(), retention_seconds: 2_592_000 });
    // A second sweep finds nothing and writes nothing.
    expect(await trimDeliveries(now)).toBe(0);
    expect(await trimEvents("webhook.deliveries_trimmed")).toHaveLength(before + 1);
    expect((await verifyStoredChain()).ok).toBe(true);
  });

  it("works through a backlog in batches of 500, one audit event per batch", async () => {
    const n = 2 * TRIM_BATCH + 1;
    await db().webhookDelivery.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        kind: "callback",
        url: "https://agent.example.com/cb",
        event: "action.decided",
        payload: "{}",
        status: "delivered",
        createdAt: new Date(ago(90).getTime() + i * 1000),
        nextAttemptAt: new Date(ago(90).getTime() + i * 1000),
      })),
    });
    const keep = await delivery("keep", "delivered", 1);
    const before = (await trimEvents("webhook.deliveries_trimmed")).length;
    expect(await trimDueRecords(now)).toEqual({ deliveries: n, notifications: 0 });
    const events = (await trimEvents("webhook.deliveries_trimmed")).slice(before);
    expect(events.map((e) => JSON.parse(e.data).count)).toEqual([TRIM_BATCH, TRIM_BATCH, 1]);
    expect((await db().webhookDelivery.findMany({ select: { id: true } })).map((r) => r.id)).toEqual([keep]);
  });

  it("follows the setting, which refuses less than a day", async () => {
    await delivery("a", "delivered", 3);
    const b = await delivery("b", "delivered", 1.5);
    process.env.GATEHOUSE_DELIVERY_RETENTION_SECONDS = String(2 * 86_400);
    resetEnvForTests();
    try {
      expect(await trimDeliveries(now)).toBe(1);
      expect((await db().webhookDelivery.findMany({ select: { id: true } })).map((r) => r.id)).toEqual([b]);
      expect((await listDeliveryPage()).retentionSeconds).toBe(172_800);
      expect(describeRetention().find((r) => r.what === "Webhook and callback deliveries")?.seconds).toBe(172_800);
    } finally {
      delete process.env.GATEHOUSE_DELIVERY_RETENTION_SECONDS;
      resetEnvForTests();
    }
    const base = { NODE_ENV: "test" as const, GATEHOUSE_SESSION_SECRET: "x".repeat(32), GATEHOUSE_AT_REST_KEY: "A".repeat(43) + "=" };
    expect(() => parseEnv({ ...base, GATEHOUSE_DELIVERY_RETENTION_SECONDS: "3600" })).toThrow(/GATEHOUSE_DELIVERY_RETENTION_SECONDS/);
    expect(() => parseEnv({ ...base, GATEHOUSE_NOTIFICATION_RETENTION_SECONDS: "86400" })).toThrow(/GATEHOUSE_NOTIFICATION_RETENTION_SECONDS/);
  });

  it("a retry of a delivery the sweep removed is a 404, and the log's counts no longer hold it", async () => {
    const old = await delivery("old", "failed", 31);
    expect((await listDeliveryPage()).counts.failed).toBe(1);
    expect(await trimDeliveries(now)).toBe(1);
    await expect(retryDelivery(old, { actorId: admin })).rejects.toMatchObject({ code: "not_found", status: 404 });
    expect((await listDeliveryPage()).counts.failed).toBe(0);
  });
});

describe("notification outbox retention (GATEHOUSE_NOTIFICATION_RETENTION_SECONDS, default 30 days)", () => {
  it("deletes sent and failed rows past it in one audited batch; keeps pending and newer ones", async () => {
    await outbox("sent", "sent", 31);
    await outbox("failed", "failed", 35);
    const pending = await outbox("pending", "pending", 40);
    const recent = await outbox("recent", "sent", 10);
    const before = (await trimEvents("notification.outbox_trimmed")).length;
    expect(await trimNotifications(now)).toBe(2);
    expect((await db().notificationOutbox.findMany({ select: { id: true } })).map((r) => r.id).sort()).toEqual([pending, recent].sort());
    const events = (await trimEvents("notification.outbox_trimmed")).slice(before);
    expect(events.map((e) => JSON.parse(e.data))).toEqual([{ count: 2, before: ago(30).toISOString(), retention_seconds: 2_592_000 }]);
    expect(await trimNotifications(now)).toBe(0);
  });
});
