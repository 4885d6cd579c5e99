import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { makeRoute, makeUser } from "../support/fixtures";
import { PLANTED_SECRETS } from "../support/planted-secrets";
import { db } from "@/lib/db/client";
import { createCredential } from "@/lib/agents/create-credential";
import { createEndpoint } from "@/lib/webhook-admin/manage-endpoints";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { call } from "./helpers";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer, type CookieJar } from "./console-server";
import { bigIntsAsText } from "../support/json";

// Threat: an agent (or the text it was fed) carries a secret — an AWS key in a
// reason, a database URL in a reported error, a bearer header pasted into a
// preview — and Gatehouse stores it where it can never be removed: the
// append-only audit log and its exports, webhook payloads, the console. Every
// agent-controlled string is redacted before it is stored anywhere; this
// plants a secret of every common format in every field an agent writes and
// looks for it everywhere, over real HTTP against the real server (Next.js and
// next-auth included), signed in as an admin.

const RUNS = 24;
const EMAIL = { ticket_id: "T-1", to: "jane@example.com", subject: "About your ticket" };

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let jar: CookieJar;
let key: string;
let runId: string;
const received: string[] = [];
let receiver: http.Server;
// A tool service whose preview answer carries the planted text: what a tool service says is redacted too.
let previewLeak = { text: "", secret: "" };
let previewService: http.Server;

beforeAll(async () => {
  ctx = await freshDemoDb();
  // Production refuses live demo accounts and keys; this test brings its own.
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  const admin = await makeUser("admin.redact@example.com", ["admin", "reviewer", "viewer"]);
  await makeRoute("redact/route", { allow_tools: ["kb.search"], require_approval: ["email.send"], budgets: { steps: 10_000, seconds: 86_400, usd: 100 } });
  key = (await createCredential({ name: "redact", tenantId: "acme", env: "prod", routes: ["redact/route"] })).key;
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const port = (receiver.address() as { port: number }).port;
  await createEndpoint({ url: `http://127.0.0.1:${port}/hook`, events: ["*"], allowPrivate: true }, { actorId: admin });
  previewService = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ before: { note: previewLeak.text }, after: { api_key: previewLeak.secret, list: [previewLeak.text] } }));
    });
  });
  await new Promise<void>((r) => previewService.listen(0, "127.0.0.1", () => r()));
  await db().tool.update({
    where: { name: "email.send" },
    data: { previewUrl: `http://127.0.0.1:${(previewService.address() as { port: number }).port}/preview`, previewAllowPrivate: true },
  });
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
  jar = await signIn(server.url, "admin.redact@example.com", "pw-admin.redact@example.com");
  const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "redact/route" });
  expect(run.status, run.text).toBe(201);
  runId = run.body.run_id;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => receiver?.close(r));
  await new Promise((r) => previewService?.close(r));
  await ctx?.cleanup();
});

type Place = "args" | "pending-args" | "reason" | "preview" | "preview-field" | "result-error" | "service-preview";
const PLACES: Place[] = ["args", "pending-args", "reason", "preview", "preview-field", "result-error", "service-preview"];

/** One agent interaction with `text` (carrying `secret`) in `place`; returns the action id. */
async function plant(place: Place, secret: string, text: string, n: number): Promise<string> {
  const idem = `redact-${n}`;
  const read = { run_id: runId, tool: "kb.search", args: { query: "refund policy" }, idempotency_key: idem };
  const write = { run_id: runId, tool: "email.send", args: { ...EMAIL, body: "Hello" }, idempotency_key: idem };
  const body =
    place === "args"
      ? { ...read, args: { query: text } }
      : place === "pending-args"
        ? { ...write, args: { ...EMAIL, body: text } }
        : place === "reason"
          ? { ...write, reason: text }
          : place === "preview"
            ? { ...write, preview: { before: text, after: { note: text } } }
            : place === "preview-field"
              ? { ...write, preview: { after: { api_key: secret, nested: [{ "Client-Secret": secret }] } } }
              : place === "service-preview"
                ? write
                : read;
  if (place === "service-preview") previewLeak = { text, secret };
  const res = await call(server.url, "POST", "/api/v1/actions", key, body);
  expect(res.status, res.text).toBeLessThan(300);
  const id = res.body.action_id as string;
  if (place === "service-preview" || place === "pending-args") {
    // The server's preview worker asks the tool service in the background; wait for its answer.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const a = await db().action.findUniqueOrThrow({ where: { id } });
      if (a.previewStatus === "ok" || a.previewStatus === "failed") break;
      if (Date.now() > deadline) throw new Error(`preview of ${id} still ${a.previewStatus}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (place === "result-error") {
    const r = await call(server.url, "POST", `/api/v1/actions/${id}/result`, key, { status: "error", duration_ms: 5, error: `upstream said: ${text}` });
    expect(r.status, r.text).toBe(201);
  }
  return id;
}

/**
 * Every console GET endpoint, found on disk (app/api/console/**\/route.ts exporting GET), as a URL for
 * this action: `[id]` is the action (or a break-glass id that does not exist), `[seq]` each of the
 * action's audit events; plus the views and exports that take a query.
 */
async function consoleGetUrls(actionId: string): Promise<string[]> {
  const root = path.resolve("app/api/console");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "route.ts" && /export const GET\b/.test(fs.readFileSync(p, "utf8"))) files.push(path.relative(root, path.dirname(p)));
    }
  };
  walk(root);
  const seqs = (await db().auditEvent.findMany({ where: { actionId }, select: { seq: true } })).map((e) => e.seq);
  const urls: string[] = [];
  for (const f of files) {
    const base = `/api/console/${f.split(path.sep).join("/")}`.replace(/\/$/, "");
    if (base.includes("[seq]")) for (const s of seqs) urls.push(base.replace("[seq]", String(s)));
    else if (base.startsWith("/api/console/break-glass/[id]")) urls.push(base.replace("[id]", "bg_none"));
    else urls.push(base.replace("[id]", actionId));
  }
  expect(files.length).toBeGreaterThanOrEqual(20);
  return [
    ...urls,
    "/api/console/actions?view=history",
    "/api/console/audit/export?format=jsonl",
    "/api/console/audit/export?format=csv",
    `/api/console/audit?actionId=${actionId}`,
    "/api/console/policies/detail?route=redact%2Froute",
  ];
}

/** Everything a person or a subscriber can read about the action, and every stored row. */
async function everywhere(actionId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const url of await consoleGetUrls(actionId)) {
    const r = await consoleFetch(server.url, jar, url);
    expect(r.status, url).toBeLessThan(500);
    out[`GET ${url}`] = await r.text();
  }
  expect(out[`GET /api/console/actions/${actionId}`]).toContain(actionId);
  return {
    ...out,
    "server log": server.log(),
    "audit rows": JSON.stringify(await db().auditEvent.findMany(), bigIntsAsText),
    "action row": JSON.stringify(await db().action.findUnique({ where: { id: actionId } })),
    "webhook and callback payloads": JSON.stringify(await db().webhookDelivery.findMany({ select: { payload: true, url: true } })),
  };
}

describe("a planted secret appears nowhere an agent's text is stored or shown", () => {
  it(`${RUNS} secrets of every common format, in args, reason, preview, preview field names and a reported error`, async () => {
    const planted: string[] = [];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PLANTED_SECRETS), fc.constantFrom(...PLACES), fc.stringMatching(/^[A-Z0-9]{8}$/), async (format, place, tag) => {
        const { secret, text } = format.make(tag);
        planted.push(secret);
        const id = await plant(place, secret, text, n++);
        for (const [where, content] of Object.entries(await everywhere(id))) {
          expect(content.includes(secret), `${format.name} in ${place} leaked into ${where}`).toBe(false);
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Webhook bodies as delivered: wait for the worker to send what was queued.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await db().webhookDelivery.count({ where: { status: "pending" } })) > 0) await new Promise((r) => setTimeout(r, 250));
    expect(received.length).toBeGreaterThan(0);
    for (const s of planted)
      expect(
        received.some((b) => b.includes(s)),
        `a delivered webhook carried ${s}`,
      ).toBe(false);
  }, 240_000);
});

describe("agent-chosen identifiers that carry a secret are refused, never stored", () => {
  it("tool, idempotency key, callback URL and route with a secret: 422 with the field named, no row, no audit row; a secret X-Request-Id is replaced", async () => {
    const { secret } = PLANTED_SECRETS.find((p) => p.name === "AWS access key id")!.make("IDENT1AB");
    const base = { run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: "ident-ok" };
    const cases: Array<[string, string, unknown, string]> = [
      ["/api/v1/actions", "tool", { ...base, tool: `kb.search ${secret}` }, "tool"],
      ["/api/v1/actions", "idempotency_key", { ...base, idempotency_key: `key-${secret}` }, "idempotency_key"],
      ["/api/v1/actions", "callback_url", { ...base, callback_url: `https://agent.example.com/cb?token=${secret}` }, "callback_url"],
      ["/api/v1/runs", "route", { route: `redact/route?${secret}` }, "route"],
    ];
    for (const [path, name, body, field] of cases) {
      const before = await db().auditEvent.count();
      const res = await call(server.url, "POST", path, key, body);
      expect(res.status, `${name}: ${res.text}`).toBe(422);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
      expect(res.text).not.toContain(secret);
      expect(await db().auditEvent.count()).toBe(before);
    }
    const planted = "AKIA" + "REQID0000000TEST";
    const ok = await call(server.url, "POST", "/api/v1/actions", key, { ...base, idempotency_key: "ident-rid" }, { headers: { "x-request-id": planted } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get("x-request-id")).not.toBe(planted);
    expect(JSON.stringify(await db().auditEvent.findMany(), bigIntsAsText)).not.toContain(planted);
    expect(JSON.stringify(await db().action.findMany())).not.toContain(secret);
  });
});

describe("the audit writer is the last line of defence", () => {
  it("a caller that forgot to redact still writes no secret: free-text fields and every string in data pass the secret rules; the chain verifies", async () => {
    const { secret, text } = PLANTED_SECRETS.find((p) => p.name === "Stripe live key")!.make("AUDIT0AB");
    const [seq] = await db().$transaction((tx) =>
      appendAudit(tx, { type: "test.forgot", actorType: "system", reason: text, tool: text, route: text, data: { message: text, nested: [{ error: text }], count: 12345678901 } }),
    );
    const row = await db().auditEvent.findUniqueOrThrow({ where: { seq } });
    expect(JSON.stringify(row, bigIntsAsText)).not.toContain(secret);
    expect(JSON.parse(row.data)).toMatchObject({ count: 12345678901 });
    expect((await verifyStoredChain()).ok).toBe(true);
  });
});
