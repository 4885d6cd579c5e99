import http from "node:http";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { seal } from "@/lib/crypto/seal";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { deliverDue, startDeliveryWorker } from "@/lib/webhooks/deliver";
import { sendTestWebhook } from "@/lib/webhooks/send-test-webhook";

type Received = { headers: Record<string, string>; body: string };

async function receiver(status = 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { received, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function endpoint(url: string, events: string[] | string, over: { enabled?: boolean; allowPrivate?: boolean } = {}) {
  const id = `whe_${crypto.randomBytes(6).toString("hex")}`;
  const secret = `whsec_${crypto.randomBytes(32).toString("base64")}`;
  await db().webhookEndpoint.create({
    data: {
      id,
      url,
      events: typeof events === "string" ? events : JSON.stringify(events),
      secretSealed: seal(secret, `webhook-secret:${id}`),
      enabled: over.enabled ?? true,
      allowPrivate: over.allowPrivate ?? true,
    },
  });
  return { id, secret };
}

let cleanup: () => Promise<void>;
let servers: { close: () => Promise<void> }[] = [];
beforeAll(async () => ({ cleanup } = await freshDb()));
afterAll(() => cleanup());
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  await db().webhookDelivery.updateMany({ where: { status: "pending" }, data: { status: "failed" } });
  // Endpoints from one test must not subscribe to the next test's events.
  await db().webhookEndpoint.updateMany({ data: { enabled: false } });
});

async function startReceiver(status?: number) {
  const r = await receiver(status);
  servers.push(r);
  return r;
}

describe("console webhooks", () => {
  it("go to every enabled endpoint subscribed to the event or to *", async () => {
    const srv = await startReceiver();
    const exact = await endpoint(srv.url, ["action.pending"]);
    const star = await endpoint(srv.url, ["*"]);
    await endpoint(srv.url, ["policy.changed"]);
    await endpoint(srv.url, ["*"], { enabled: false });
    // A corrupt subscription list subscribes to nothing.
    await endpoint(srv.url, "[not json");

    const queued = await db().$transaction((tx) => enqueueWebhookEvent(tx, "action.pending", { action_id: "act_1", summary: "Close T-1" }));
    expect(queued).toBe(2);
    expect(await deliverDue()).toBe(2);
    expect(srv.received).toHaveLength(2);

    const secrets = new Map([
      [exact.id, exact.secret],
      [star.id, star.secret],
    ]);
    const rows = await db().webhookDelivery.findMany({ where: { event: "action.pending" } });
    expect(rows.map((r) => r.status)).toEqual(["delivered", "delivered"]);
    for (const got of srv.received) {
      const row = rows.find((r) => r.id === got.headers["webhook-id"])!;
      const payload = new Webhook(secrets.get(row.endpointId!)!).verify(got.body, got.headers) as { type: string; data: unknown; timestamp: string };
      expect(payload).toMatchObject({ type: "action.pending", data: { action_id: "act_1", summary: "Close T-1" } });
      expect(Number.isNaN(Date.parse(payload.timestamp))).toBe(false);
      // One endpoint's secret does not verify another's message.
      const other = [...secrets.values()].find((s) => s !== secrets.get(row.endpointId!))!;
      expect(() => new Webhook(other).verify(got.body, got.headers)).toThrow();
    }
  });

  it("queue nothing when the enqueuing transaction rolls back", async () => {
    const srv = await startReceiver();
    await endpoint(srv.url, ["*"]);
    await expect(
      db().$transaction(async (tx) => {
        await enqueueWebhookEvent(tx, "kill_switch.changed", { tool: "crm.delete" });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await db().webhookDelivery.count({ where: { event: "kill_switch.changed" } })).toBe(0);
    expect(await deliverDue()).toBe(0);
    expect(srv.received).toHaveLength(0);
  });

  it("to a private address are refused unless the endpoint allows private targets; the final failure is audited", async () => {
    const srv = await startReceiver();
    const ep = await endpoint(srv.url, ["breaker.opened"], { allowPrivate: false });
    await db().$transaction((tx) => enqueueWebhookEvent(tx, "breaker.opened", { route: "support/send" }));
    await deliverDue({ backoffMs: [] });
    expect(srv.received).toHaveLength(0);
    const row = await db().webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } });
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastError: expect.stringMatching(/not allowed/) });
    const audit = await db().auditEvent.findMany({ where: { type: "webhook.failed" } });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.data)).toMatchObject({ delivery_id: row.id, endpoint_id: ep.id, attempts: 1, status_code: null });
  });

  it("audit only the final failure, not each retry", async () => {
    const srv = await startReceiver(500);
    const ep = await endpoint(srv.url, ["policy.changed"]);
    await db().$transaction((tx) => enqueueWebhookEvent(tx, "policy.changed", { route: "support/send" }));
    const before = await db().auditEvent.count({ where: { type: "webhook.failed" } });
    let t = Date.now();
    await deliverDue({ now: new Date(t), backoffMs: [1_000] });
    expect(await db().auditEvent.count({ where: { type: "webhook.failed" } })).toBe(before);
    t += 2_000;
    await deliverDue({ now: new Date(t), backoffMs: [1_000] });
    expect(srv.received).toHaveLength(2);
    expect(await db().auditEvent.count({ where: { type: "webhook.failed" } })).toBe(before + 1);
    expect(await db().webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } })).toMatchObject({ status: "failed", attempts: 2 });
  });

  it("a test event reaches one endpoint, whatever it subscribes to", async () => {
    const srv = await startReceiver();
    const ep = await endpoint(srv.url, ["policy.changed"]);
    const deliveryId = await sendTestWebhook(ep.id);
    await deliverDue();
    expect(srv.received).toHaveLength(1);
    const payload = new Webhook(ep.secret).verify(srv.received[0]!.body, srv.received[0]!.headers) as { type: string };
    expect(payload.type).toBe("webhook.test");
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status).toBe("delivered");
    await expect(sendTestWebhook("whe_missing")).rejects.toMatchObject({ code: "not_found" });
  });

  it("are not sent once the endpoint is disabled", async () => {
    const srv = await startReceiver();
    const ep = await endpoint(srv.url, ["*"]);
    await db().$transaction((tx) => enqueueWebhookEvent(tx, "break_glass.opened", { session_id: "bg_1" }));
    await db().webhookEndpoint.update({ where: { id: ep.id }, data: { enabled: false } });
    await deliverDue();
    expect(srv.received).toHaveLength(0);
    expect(await db().webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } })).toMatchObject({ status: "failed" });
  });

  it("the background worker delivers without being asked and stops when told", async () => {
    const srv = await startReceiver();
    await endpoint(srv.url, ["*"]);
    const stop = startDeliveryWorker({ intervalMs: 20 });
    try {
      await db().$transaction((tx) => enqueueWebhookEvent(tx, "break_glass.closed", { session_id: "bg_2" }));
      for (let i = 0; i < 100 && srv.received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(srv.received).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
