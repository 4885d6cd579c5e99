import http from "node:http";
import crypto from "node:crypto";
import type { AddressInfo, LookupFunction } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { seal } from "@/lib/crypto/seal";
import { generateCallbackSecret } from "@/lib/agents/credential-key";
import { enqueueCallback } from "@/lib/webhooks/enqueue";
import { checkCallbackUrl } from "@/lib/webhooks/callback-url";
import { deliverDue } from "@/lib/webhooks/deliver";
import { verifyCallback } from "@gatehouse-dev/sdk";

type Received = { path: string; headers: Record<string, string>; body: string };

/** A real HTTP receiver on 127.0.0.1 that answers with whatever `respond` says. */
async function receiver(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, s) => s.end("ok")) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers as Record<string, string>, body });
      respond(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function credential(allowlist: string[]) {
  const id = `cred_${crypto.randomBytes(6).toString("hex")}`;
  const secret = generateCallbackSecret();
  await db().agentCredential.create({
    data: {
      id,
      name: "test agent",
      tenantId: "acme",
      env: "prod",
      routes: "[]",
      keyPrefix: id,
      keyHash: "x",
      callbackSecret: seal(secret, `callback-secret:${id}`),
      callbackAllowlist: JSON.stringify(allowlist),
    },
  });
  return { id, secret };
}

async function enqueue(credentialId: string, callbackUrl: string, actionId = `act_${crypto.randomBytes(6).toString("hex")}`) {
  const deliveryId = await db().$transaction((tx) =>
    enqueueCallback(tx, { actionId, credentialId, callbackUrl }, "action.approved", { status: "approved", reason: "two approvals" }),
  );
  return { deliveryId, actionId };
}

const delivery = (id: string) => db().webhookDelivery.findUniqueOrThrow({ where: { id } });
const attempts = (deliveryId: string) => db().webhookAttempt.findMany({ where: { deliveryId }, orderBy: { at: "asc" } });
const auditFor = (actionId: string) => db().auditEvent.findMany({ where: { actionId }, orderBy: { seq: "asc" } });
const later = (ms: number) => new Date(Date.now() + ms);

/** DNS that answers 127.0.0.1 for every name: what a rebinding or internal name looks like to the worker. */
const resolvesToLoopback: LookupFunction = (_host, options, cb) => {
  if (options.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
  else cb(null, "127.0.0.1", 4);
};

let cleanup: () => Promise<void>;
let servers: { close: () => Promise<void> }[] = [];
beforeAll(async () => ({ cleanup } = await freshDb()));
afterAll(() => cleanup());
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  // Each test drives its own messages; nothing it left queued may leak into the next.
  await db().webhookDelivery.updateMany({ where: { status: "pending" }, data: { status: "failed" } });
});

async function startReceiver(respond?: Parameters<typeof receiver>[0]) {
  const r = await receiver(respond);
  servers.push(r);
  return r;
}

describe("callback delivery", () => {
  it("delivers once, signed with the credential's secret, logged and audited", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    const url = `http://127.0.0.1:${srv.port}/cb?agent=1`;
    expect(checkCallbackUrl(url, ["127.0.0.1"]).ok).toBe(true);
    const { deliveryId, actionId } = await enqueue(cred.id, url);

    expect(await deliverDue()).toBe(1);
    expect(await deliverDue({ now: later(10 * 60_000) })).toBe(0);
    expect(srv.received).toHaveLength(1);

    const got = srv.received[0]!;
    expect(got.path).toBe("/cb?agent=1");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["webhook-id"]).toBe(deliveryId);
    const payload = verifyCallback(got.body, got.headers, cred.secret);
    expect(payload).toMatchObject({ type: "action.approved", data: { action_id: actionId, status: "approved", reason: "two approvals" } });
    expect(payload.data.href).toBe(`/api/v1/actions/${actionId}`);
    expect(() => verifyCallback(got.body, got.headers, generateCallbackSecret())).toThrow();
    expect(() => verifyCallback(got.body.replace("approved", "rejected"), got.headers, cred.secret)).toThrow();
    const headers = new Headers(got.headers);
    expect(verifyCallback(got.body, headers, cred.secret).type).toBe("action.approved");

    const d = await delivery(deliveryId);
    expect(d).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, claimedBy: null });
    expect(d.deliveredAt).not.toBeNull();
    const log = await attempts(deliveryId);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ statusCode: 200, error: null });
    const audit = await auditFor(actionId);
    expect(audit.map((e) => e.type)).toEqual(["callback.delivered"]);
    expect(audit[0]).toMatchObject({ actorType: "system", tenantId: "acme", env: "prod", status: "delivered" });
    expect(JSON.parse(audit[0]!.data)).toMatchObject({ url_host: `127.0.0.1:${srv.port}`, attempts: 1, status_code: 200 });
  });

  it("refuses an old timestamp", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await deliverDue();
    const got = srv.received[0]!;
    const stale = { ...got.headers, "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 600) };
    expect(() => verifyCallback(got.body, stale, cred.secret)).toThrow(/timestamp/i);
  });

  it("never carries a token or secret in the payload", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    const actionId = `act_${crypto.randomBytes(6).toString("hex")}`;
    await db().$transaction((tx) =>
      enqueueCallback(tx, { actionId, credentialId: cred.id, callbackUrl: `http://127.0.0.1:${srv.port}/cb` }, "action.approved", {
        status: "approved",
        token: "eyJhbGciOi.secret.jwt",
        action_token: "eyJ.another",
        nested: { client_secret: "s3cret", ok: 1 },
      }),
    );
    await deliverDue();
    const body = srv.received[0]!.body;
    expect(body).not.toMatch(/eyJ|s3cret/);
    expect(JSON.parse(body).data).toMatchObject({ status: "approved", nested: { ok: 1 } });
  });

  it("refuses a non-allowlisted loopback target at connect time, even when only DNS makes it loopback", async () => {
    const srv = await startReceiver();
    const cred = await credential([]);
    // Rows written directly: these skip the parse-time check, as a URL changed after
    // proposal or a name that resolves inside would.
    const viaLocalhost = await enqueue(cred.id, `http://localhost:${srv.port}/cb`);
    const viaIp = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    const rebinding = `http://callback.example.test:${srv.port}/cb`;
    expect(checkCallbackUrl(rebinding, []).ok).toBe(true);
    const viaDns = await enqueue(cred.id, rebinding);

    expect(await deliverDue({ backoffMs: [], lookup: resolvesToLoopback })).toBe(3);
    expect(srv.received).toHaveLength(0);
    for (const { deliveryId, actionId } of [viaLocalhost, viaIp, viaDns]) {
      const d = await delivery(deliveryId);
      expect(d.status).toBe("failed");
      expect(d.lastError).toMatch(/not allowed/);
      const log = await attempts(deliveryId);
      expect(log).toHaveLength(1);
      expect(log[0]!.statusCode).toBeNull();
      expect(log[0]!.error).toMatch(/not allowed/);
      expect((await auditFor(actionId)).map((e) => e.type)).toEqual(["callback.failed"]);
    }
  });

  it("reaches the same names once the admin allowlists the host or its address", async () => {
    const srv = await startReceiver();
    const byName = await credential(["callback.example.test"]);
    const byAddress = await credential(["127.0.0.1"]);
    const a = await enqueue(byName.id, `http://callback.example.test:${srv.port}/cb`);
    const b = await enqueue(byAddress.id, `http://callback.example.test:${srv.port}/cb`);
    await deliverDue({ backoffMs: [], lookup: resolvesToLoopback });
    expect(srv.received).toHaveLength(2);
    expect((await delivery(a.deliveryId)).status).toBe("delivered");
    expect((await delivery(b.deliveryId)).status).toBe("delivered");
  });

  it("retries a 500 on the backoff schedule and delivers on the second attempt", async () => {
    let calls = 0;
    const srv = await startReceiver((_q, res) => {
      calls += 1;
      res.statusCode = calls === 1 ? 500 : 200;
      res.end();
    });
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId, actionId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    const backoffMs = [60_000, 60_000];

    const t0 = new Date();
    expect(await deliverDue({ now: t0, backoffMs })).toBe(1);
    let d = await delivery(deliveryId);
    expect(d).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500 });
    expect(d.nextAttemptAt.getTime()).toBe(t0.getTime() + 60_000);
    expect(await auditFor(actionId)).toHaveLength(0);

    expect(await deliverDue({ now: new Date(t0.getTime() + 30_000), backoffMs })).toBe(0);
    expect(await deliverDue({ now: new Date(t0.getTime() + 61_000), backoffMs })).toBe(1);
    d = await delivery(deliveryId);
    expect(d).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200 });
    expect((await attempts(deliveryId)).map((a) => a.statusCode)).toEqual([500, 200]);
    // Retries keep the message id, so the receiver can de-duplicate.
    expect(srv.received.map((r) => r.headers["webhook-id"])).toEqual([deliveryId, deliveryId]);
    expect(verifyCallback(srv.received[1]!.body, srv.received[1]!.headers, cred.secret).data.action_id).toBe(actionId);
    expect((await auditFor(actionId)).map((e) => e.type)).toEqual(["callback.delivered"]);
  });

  it("stops at 410 Gone", async () => {
    const srv = await startReceiver((_q, res) => {
      res.statusCode = 410;
      res.end();
    });
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId, actionId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await deliverDue({ backoffMs: [1, 1, 1] });
    expect(await deliverDue({ now: later(60_000), backoffMs: [1, 1, 1] })).toBe(0);
    expect(srv.received).toHaveLength(1);
    expect(await delivery(deliveryId)).toMatchObject({ status: "gone", attempts: 1, lastStatusCode: 410 });
    const audit = await auditFor(actionId);
    expect(audit.map((e) => [e.type, e.status])).toEqual([["callback.failed", "gone"]]);
  });

  it("fails for good after the last retry and audits it", async () => {
    const srv = await startReceiver((_q, res) => {
      res.statusCode = 503;
      res.end();
    });
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId, actionId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    const backoffMs = [1_000, 2_000];
    let t = Date.now();
    for (const step of [0, 1_000, 2_000, 60_000]) {
      t += step;
      await deliverDue({ now: new Date(t), backoffMs });
    }
    expect(srv.received).toHaveLength(3);
    expect(await delivery(deliveryId)).toMatchObject({ status: "failed", attempts: 3, lastStatusCode: 503, lastError: "HTTP 503" });
    expect(await attempts(deliveryId)).toHaveLength(3);
    const audit = await auditFor(actionId);
    expect(audit.map((e) => [e.type, e.status])).toEqual([["callback.failed", "failed"]]);
    expect(JSON.parse(audit[0]!.data)).toMatchObject({ attempts: 3, status_code: 503 });
  });

  it("does not follow redirects", async () => {
    const srv = await startReceiver((req, res) => {
      if (req.url === "/cb") {
        res.statusCode = 302;
        res.setHeader("location", "/elsewhere");
      }
      res.end();
    });
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await deliverDue({ backoffMs: [] });
    expect(srv.received.map((r) => r.path)).toEqual(["/cb"]);
    expect(await delivery(deliveryId)).toMatchObject({ status: "failed", lastStatusCode: 302 });
  });

  it("times out a receiver that never answers", async () => {
    const srv = await startReceiver(() => undefined);
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await deliverDue({ backoffMs: [], timeoutMs: 200 });
    expect(await delivery(deliveryId)).toMatchObject({ status: "failed", lastStatusCode: null, lastError: expect.stringMatching(/timed out/) });
  });

  it("two workers running at once deliver each message exactly once", async () => {
    const srv = await startReceiver((_q, res) => setTimeout(() => res.end("ok"), 30));
    const cred = await credential(["127.0.0.1"]);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`)).deliveryId);
    const counts = await Promise.all([deliverDue({ workerId: "worker-a" }), deliverDue({ workerId: "worker-b" }), deliverDue({ workerId: "worker-c" })]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    expect(srv.received.map((r) => r.headers["webhook-id"]).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await attempts(id)).toHaveLength(1);
  });

  it("leaves a message another worker holds alone until its claim lapses", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await db().webhookDelivery.update({ where: { id: deliveryId }, data: { claimedBy: "elsewhere", claimedUntil: later(30_000) } });
    expect(await deliverDue()).toBe(0);
    expect(srv.received).toHaveLength(0);
    expect(await deliverDue({ now: later(31_000) })).toBe(1);
    expect(srv.received).toHaveLength(1);
  });

  it("sends nothing for a decision whose transaction rolled back", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    const actionId = `act_${crypto.randomBytes(6).toString("hex")}`;
    await expect(
      db().$transaction(async (tx) => {
        await enqueueCallback(tx, { actionId, credentialId: cred.id, callbackUrl: `http://127.0.0.1:${srv.port}/cb` }, "action.approved", {
          status: "approved",
        });
        throw new Error("decision failed after enqueue");
      }),
    ).rejects.toThrow("decision failed");
    expect(await deliverDue()).toBe(0);
    expect(srv.received).toHaveLength(0);
    expect(await db().webhookDelivery.count({ where: { actionId } })).toBe(0);
  });

  it("stops calling back a revoked credential", async () => {
    const srv = await startReceiver();
    const cred = await credential(["127.0.0.1"]);
    const { deliveryId } = await enqueue(cred.id, `http://127.0.0.1:${srv.port}/cb`);
    await db().agentCredential.update({ where: { id: cred.id }, data: { revokedAt: new Date() } });
    await deliverDue();
    expect(srv.received).toHaveLength(0);
    expect(await delivery(deliveryId)).toMatchObject({ status: "failed", lastError: "agent credential revoked" });
  });
});
