import crypto from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { base64url } from "jose";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { db } from "@/lib/db/client";
import { ACTION_TOKEN_TYP } from "@gatehouse-dev/sdk";
import { ATTEMPTS_PER_TOKEN, MAX_FIRST_ROWS, REFUSALS_PER_SOURCE, flushRedeemRefusals } from "@/lib/tokens/redeem-guard";
import { call, demoAgent, type CallResult } from "./helpers";

// Threat: the redeem endpoint is unauthenticated (the token is the credential),
// so anyone can post garbage at it; if every refusal wrote an audit row, a
// flood would fill the disk of an append-only log. Over real HTTP: refusals are
// rate-limited per source and per token, and audited in aggregate (the first of
// each kind per source and window, then one summary event), with no row updated.

const acme = demoAgent("acme", "prod", "support/send");
const READ_ARGS = { query: "refund policy" };

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});
beforeEach(() => flushRedeemRefusals());

const redeem = (token: string, from: string, tool = "kb.search", args: unknown = READ_ARGS): Promise<CallResult> =>
  call(server.url, "POST", "/api/v1/tokens/redeem", null, { token, tool, args }, { headers: { "x-forwarded-for": from } });

/** Garbage of a few kinds: random text, alg none, a well-formed JWS under an unknown key id. */
function garbage(i: number): string {
  const claims = base64url.encode(JSON.stringify({ jti: `jti_${i}`, tenant: "acme" }));
  switch (i % 3) {
    case 0:
      return crypto.randomBytes(24).toString("base64url");
    case 1:
      return `${base64url.encode(JSON.stringify({ alg: "none", typ: ACTION_TOKEN_TYP }))}.${claims}.`;
    default:
      return `${base64url.encode(JSON.stringify({ alg: "EdDSA", typ: ACTION_TOKEN_TYP, kid: `k${i}` }))}.${claims}.${crypto.randomBytes(64).toString("base64url")}`;
  }
}

async function allowedReadToken(): Promise<string> {
  const run = await call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" });
  const p = await call(server.url, "POST", "/api/v1/actions", acme.key, { run_id: run.body.run_id, tool: "kb.search", args: READ_ARGS, idempotency_key: `flood-${++n}` });
  expect(p.status).toBe(200);
  return p.body.token as string;
}

const auditHead = async () => (await db().auditEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0;

/** `total` requests, `parallel` at a time. */
async function flood(total: number, parallel: number, one: (i: number) => Promise<CallResult>): Promise<CallResult[]> {
  const out: CallResult[] = [];
  for (let i = 0; i < total; i += parallel) out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, total - i) }, (_, j) => one(i + j)))));
  return out;
}

describe("a flood of garbage redeems", () => {
  it("from one source: answered 429 past the limit, and writes O(kinds) audit rows plus one summary, not N", async () => {
    const N = 600;
    const before = await auditHead();
    const answers = await flood(N, 20, (i) => redeem(garbage(i), "203.0.113.7"));
    expect(answers.every((a) => a.status === 403 || a.status === 429)).toBe(true);
    const refused = answers.filter((a) => a.status === 403).length;
    const limited = answers.filter((a) => a.status === 429);
    expect(refused).toBeGreaterThanOrEqual(REFUSALS_PER_SOURCE);
    expect(refused).toBeLessThanOrEqual(REFUSALS_PER_SOURCE + 20); // one batch may be in flight as the limit is reached
    expect(limited.length).toBe(N - refused);
    expect(limited[0]!.body.error).toMatchObject({ code: "rate_limited", reason: "source_rate_limited" });

    const rows = await db().auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: "asc" } });
    const reasons = new Set(rows.map((r) => r.reason));
    expect(rows.length).toBe(reasons.size); // one row per kind
    expect(rows.length).toBeLessThanOrEqual(5);
    expect(reasons.has("source_rate_limited")).toBe(true);
    expect(rows.every((r) => r.type === "token.redeem_refused" && r.tenantId === null)).toBe(true);

    await flushRedeemRefusals();
    const summary = await db().auditEvent.findMany({ where: { seq: { gt: before }, type: "token.redeem_refused.summary" } });
    expect(summary).toHaveLength(1);
    const data = JSON.parse(summary[0]!.data ?? "{}") as { count: number; kinds: Record<string, number>; window_start: string; window_end: string; sources: number };
    expect(data.count).toBe(N - rows.length);
    expect(Object.values(data.kinds).reduce((a, b) => a + b, 0)).toBe(data.count);
    expect(data.kinds.source_rate_limited).toBe(limited.length - 1);
    expect(data.sources).toBe(1);
    expect(new Date(data.window_end).getTime()).toBeGreaterThanOrEqual(new Date(data.window_start).getTime());
    // Append-only: the chain only grew; the rows written first are unchanged.
    expect(await db().auditEvent.count({ where: { seq: { gt: before } } })).toBe(rows.length + 1);
  });

  it("from rotating (spoofed) source addresses: at most MAX_FIRST_ROWS rows in a window, the rest summarised", async () => {
    const N = 300;
    const before = await auditHead();
    await flood(N, 20, (i) => redeem(garbage(i), `10.9.${i >> 8}.${i & 255}`));
    const rows = await db().auditEvent.count({ where: { seq: { gt: before } } });
    expect(rows).toBeLessThanOrEqual(MAX_FIRST_ROWS);
    await flushRedeemRefusals();
    const summary = await db().auditEvent.findFirstOrThrow({ where: { seq: { gt: before }, type: "token.redeem_refused.summary" } });
    expect(JSON.parse(summary.data ?? "{}").count).toBe(N - rows);
  });

  it("one token presented again and again is limited per token, whatever the source", async () => {
    const token = await allowedReadToken();
    expect((await redeem(token, "198.51.100.1")).status).toBe(200);
    const replays = await flood(12, 1, (i) => redeem(token, `198.51.100.${10 + i}`));
    expect(replays.slice(0, ATTEMPTS_PER_TOKEN - 1).map((r) => r.body.error.reason)).toEqual(Array(ATTEMPTS_PER_TOKEN - 1).fill("already_redeemed"));
    expect(replays.slice(ATTEMPTS_PER_TOKEN - 1).every((r) => r.status === 429 && r.body.error.reason === "token_rate_limited")).toBe(true);
  });

  it("legitimate redeems still work during a flood, from another address and after the window", async () => {
    const flooding = flood(200, 10, (i) => redeem(garbage(i), "203.0.113.99"));
    const during = await redeem(await allowedReadToken(), "192.0.2.10");
    await flooding;
    expect(during.status).toBe(200);
    expect((await redeem(garbage(1), "203.0.113.99")).status).toBe(429);
    await flushRedeemRefusals(); // the window ends
    expect((await redeem(await allowedReadToken(), "203.0.113.99")).status).toBe(200);
  });
});
