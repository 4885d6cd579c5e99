import http from "node:http";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { createCredential } from "@/lib/agents/create-credential";
import { tsxCliArgs } from "@/scripts/tsx-node-args";
import { freshDemoDb } from "../support/demo-db";
import { ATTEMPTS_PER_TOKEN } from "@/lib/tokens/redeem-guard";

// Two Gatehouse instances in two separate processes (bare node:http servers
// serving the product's agent API handlers, each with its own background work
// and LISTEN/NOTIFY listener) sharing one PostgreSQL database.

type Instance = { url: string; proc: ChildProcess; log: string[] };

let ctx: Awaited<ReturnType<typeof freshDb>>;
let A: Instance;
let B: Instance;
let agentKey: string;
let receiver: { url: string; received: { id: string; type: string; actionId: string | undefined }[]; close: () => Promise<void> };
const reviewers: string[] = [];

function startInstance(name: string): Promise<Instance> {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const e = env();
  const proc = spawn(tsx, [...tsxCliArgs, "test/postgres-only/support/instance.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: ctx.databaseUrl,
      // Production-style: every instance gets the same secrets from its environment.
      GATEHOUSE_SESSION_SECRET: e.sessionSecret,
      GATEHOUSE_AT_REST_KEY: e.atRestKey.toString("base64"),
      GATEHOUSE_DEMO: "0",
      NODE_ENV: "test",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start:\n${log.join("")}`)), 60_000);
    proc.stderr!.on("data", (d: Buffer) => log.push(d.toString()));
    proc.stdout!.on("data", (d: Buffer) => {
      log.push(d.toString());
      const m = /READY (\S+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc, log });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited with ${code}:\n${log.join("")}`));
    });
  });
}

async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i || i.proc.exitCode !== null) return;
  const exited = new Promise((r) => i.proc.once("exit", r));
  i.proc.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (i.proc.exitCode === null) i.proc.kill("SIGKILL");
}

/** A local HTTP receiver for agent callbacks; records each delivery. */
async function startReceiver(): Promise<typeof receiver> {
  const received: typeof receiver.received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      try {
        const p = JSON.parse(body) as { type: string; data?: { action_id?: string } };
        received.push({ id: String(req.headers["webhook-id"]), type: p.type, actionId: p.data?.action_id });
      } catch {
        received.push({ id: String(req.headers["webhook-id"]), type: "unparseable", actionId: undefined });
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function call(base: string, method: string, p: string, body?: unknown, auth = true): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${agentKey}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** Propose a destructive action (two distinct approvals needed) on instance `on`. */
let customerSeq = 100;
async function proposeDestructive(on: Instance, key: string, callback = true): Promise<string> {
  const run = await call(on.url, "POST", "/api/v1/runs", { route: "support/send" });
  expect(run.status).toBe(201);
  const act = await call(on.url, "POST", "/api/v1/actions", {
    run_id: run.body.run_id,
    tool: "customer.delete",
    args: { customer_id: `C-${customerSeq++}` },
    idempotency_key: key,
    ...(callback ? { callback_url: receiver.url } : {}),
  });
  expect([200, 201, 202], JSON.stringify(act.body)).toContain(act.status);
  expect(act.body.status).toBe("pending");
  return act.body.action_id as string;
}

const vote = (on: Instance, actionId: string, userId: string) => call(on.url, "POST", "/test/vote", { actionId, userId }, false);

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ctx = await freshDemoDb();
  receiver = await startReceiver();
  ({ key: agentKey } = await createCredential({
    name: "multi-instance",
    tenantId: "acme",
    env: "prod",
    routes: ["support/send"],
    callbackAllowlist: ["127.0.0.1"],
  }));
  // 200 distinct reviewers (no password: they never sign in here).
  const rows = Array.from({ length: 200 }, (_, i) => ({ email: `mi-reviewer-${i}@example.com`, name: `mi${i}`, roles: "reviewer" }));
  await db().user.createMany({ data: rows });
  reviewers.push(...(await db().user.findMany({ where: { email: { startsWith: "mi-reviewer-" } }, orderBy: { email: "asc" } })).map((u) => u.id));
  [A, B] = await Promise.all([startInstance("A"), startInstance("B")]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stopInstance(A), stopInstance(B)]);
  await receiver?.close();
  await ctx?.cleanup();
});

describe("two instances on one PostgreSQL database", () => {
  it("the instances are separate processes", () => {
    expect(A.proc.pid).not.toBe(B.proc.pid);
    expect(A.url).not.toBe(B.url);
  });

  it("an agent long-polling on A receives its token within 1 s of the deciding approval on B", async () => {
    const actionId = await proposeDestructive(A, "wake-1", false);
    expect((await vote(B, actionId, reviewers[0]!)).body.transitioned).toBe(false);
    const started = Date.now();
    const poll = call(A.url, "GET", `/api/v1/actions/${actionId}?wait=30`).then((r) => ({ ...r, at: Date.now() }));
    // Let the long-poll settle into waiting on A before deciding on B.
    await new Promise((r) => setTimeout(r, 500));
    const decided = await vote(B, actionId, reviewers[1]!);
    const decidedAt = Date.now();
    expect(decided.body.transitioned).toBe(true);
    const got = await poll;
    expect(got.status).toBe(200);
    expect(got.body.status).toBe("approved");
    expect(typeof got.body.token).toBe("string");
    const latency = got.at - decidedAt;
    console.log(`[multi-instance] long-poll on A answered ${latency} ms after B's approval returned (poll open ${got.at - started} ms)`);
    expect(latency).toBeLessThan(1_000);
    // It was the wake-up, not the long-poll timeout or an early answer.
    expect(got.at - started).toBeGreaterThanOrEqual(500);
  });

  it("200 concurrent approvals split across both instances yield one token and one action.approved callback", async () => {
    const actionId = await proposeDestructive(A, "race-200");
    const votes = await Promise.all(reviewers.map((userId, i) => vote(i % 2 ? A : B, actionId, userId)));
    const transitioned = votes.filter((v) => v.status === 200 && v.body.transitioned);
    expect(transitioned).toHaveLength(1);
    // Every vote got a clean answer: accepted, or refused because the action was already decided.
    for (const v of votes) expect([200, 409]).toContain(v.status);
    expect(await db().issuedToken.count({ where: { actionId, kind: "action" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { actionId, type: "action.approved" } })).toBe(1);
    expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe("approved");

    // Both instances run the delivery worker; the callback arrives exactly once.
    const approvedCallbacks = () => receiver.received.filter((r) => r.type === "action.approved" && r.actionId === actionId);
    await until(
      async () => approvedCallbacks().length,
      (n) => n >= 1,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 3_000)); // both workers get several more rounds to misbehave
    expect(approvedCallbacks()).toHaveLength(1);
    const deliveries = await db().webhookDelivery.findMany({ where: { actionId, event: "action.approved" } });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await db().auditEvent.count({ where: { actionId, type: "callback.delivered", data: { contains: '"event":"action.approved"' } } })).toBe(1);
  });

  it("a token is redeemed once across instances: concurrent redemptions on A and B, exactly one succeeds", async () => {
    const actionId = await proposeDestructive(B, "redeem-1", false);
    const customerId = `C-${customerSeq - 1}`;
    await vote(A, actionId, reviewers[2]!);
    await vote(B, actionId, reviewers[3]!);
    const view = await call(A.url, "GET", `/api/v1/actions/${actionId}`);
    expect(view.body.status).toBe("approved");
    const body = { token: view.body.token, tool: "customer.delete", args: { customer_id: customerId } };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 ? A.url : B.url, "POST", "/api/v1/tokens/redeem", body, false)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // Each instance lets one token be presented ATTEMPTS_PER_TOKEN times a minute (the redeem
    // flood guard, per instance): 10 presentations reach the database, one wins, nine are
    // refused as already redeemed; the other 10 are refused by the guard before any lookup.
    expect(results.filter((r) => r.status === 409)).toHaveLength(2 * ATTEMPTS_PER_TOKEN - 1);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20 - 2 * ATTEMPTS_PER_TOKEN);
  });

  it("the audit chain stays linear and verifies after concurrent writes from both instances", async () => {
    const before = await db().auditEvent.count();
    // 40 audited writes at once, half through each instance (plus the decisions above). Every
    // audited write serializes on the AuditHead row lock; on a loaded 2-core CI box much more
    // than this can exceed the pool's 15 s maxWait, which is a capacity limit, not a chain bug.
    const runs = await Promise.all(Array.from({ length: 40 }, (_, i) => call(i % 2 ? A.url : B.url, "POST", "/api/v1/runs", { route: "support/send" })));
    const refused = runs.filter((r) => r.status !== 201);
    if (refused.length) console.error(`instance logs:\n${[...A.log, ...B.log].join("").slice(-3000)}`);
    expect(refused.map((r) => `${r.status} ${JSON.stringify(r.body)}`).slice(0, 3)).toEqual([]);
    const events = await db().auditEvent.findMany({ select: { seq: true }, orderBy: { seq: "asc" } });
    expect(events.length).toBeGreaterThanOrEqual(before + 40);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => BigInt(i + 1)));
    const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
    const res = spawnSync(tsx, [...tsxCliArgs, "scripts/audit-verify.ts"], { encoding: "utf8", env: { ...process.env, DATABASE_URL: ctx.databaseUrl }, timeout: 60_000 });
    expect(`${res.stdout}${res.stderr}`).toMatch(/ok|verified/i);
    expect(res.status).toBe(0);
  });
});
