import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { env } from "@/lib/env";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { freshDemoDb } from "../support/demo-db";

// Two real `next start` instances on different ports sharing one PostgreSQL
// database (the production build in .next, which scripts/test-postgres.sh
// makes if it is missing). A reviewer approves in the console API of B; the
// agent long-polling on A gets its token within 1 s.

type Instance = { url: string; proc: ChildProcess; log: string[] };

let ctx: Awaited<ReturnType<typeof freshDb>>;
let A: Instance;
let B: Instance;
const agent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startNext(name: string): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const e = env();
  const proc = spawn(path.join(process.cwd(), "node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: ctx.databaseUrl,
      GATEHOUSE_URL: url,
      GATEHOUSE_SESSION_SECRET: e.sessionSecret,
      GATEHOUSE_AT_REST_KEY: e.atRestKey.toString("base64"),
      GATEHOUSE_DEMO: "0",
      NEXTAUTH_URL: url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  proc.stdout!.on("data", (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on("data", (d: Buffer) => log.push(d.toString()));
  const end = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`next start ${name} exited:\n${log.join("")}`);
    try {
      const r = await fetch(`${url}/api/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`next start ${name} not ready:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, proc, log };
}

async function stop(i: Instance | undefined): Promise<void> {
  if (!i || i.proc.exitCode !== null) return;
  const exited = new Promise((r) => i.proc.once("exit", r));
  i.proc.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (i.proc.exitCode === null) i.proc.kill("SIGKILL");
}

/** Cookie jar of one console user on one instance. */
function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}
function keep(jar: Map<string, string>, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair!.indexOf("=");
    jar.set(pair!.slice(0, i), pair!.slice(i + 1));
  }
}

/** Sign in through next-auth's credentials provider, as the sign-in page does. */
async function signIn(on: Instance, email: string, password: string): Promise<Map<string, string>> {
  const jar = new Map<string, string>();
  const csrfRes = await fetch(`${on.url}/api/auth/csrf`);
  keep(jar, csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${on.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  keep(jar, res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in as ${email} on ${on.url} failed: ${res.status}`);
  return jar;
}

async function consoleVote(on: Instance, jar: Map<string, string>, actionId: string, password: string) {
  const res = await fetch(`${on.url}/api/console/actions/${actionId}/vote`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatehouse-console": "1", origin: on.url, cookie: cookieHeader(jar) },
    body: JSON.stringify({ vote: "approve", password }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function agentCall(on: Instance, method: string, p: string, body?: unknown) {
  const res = await fetch(on.url + p, {
    method,
    headers: { authorization: `Bearer ${agent.key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("no production build in .next: run `npx next build` first (scripts/test-postgres.sh does)");
  }
  ctx = await freshDemoDb();
  [A, B] = await Promise.all([startNext("A"), startNext("B")]);
}, 180_000);

afterAll(async () => {
  await Promise.all([stop(A), stop(B)]);
  await ctx?.cleanup();
});

describe("two `next start` instances on one PostgreSQL database", () => {
  it("an agent long-polling on A receives its token within 1 s of a reviewer approving in B's console API", async () => {
    const run = await agentCall(A, "POST", "/api/v1/runs", { route: "support/send" });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const act = await agentCall(A, "POST", "/api/v1/actions", {
      run_id: run.body.run_id,
      tool: "customer.delete",
      args: { customer_id: "C-4242" },
      idempotency_key: "next-wake-1",
    });
    expect(act.body.status, JSON.stringify(act.body)).toBe("pending");
    const actionId = act.body.action_id as string;

    const reviewer = await signIn(B, "reviewer@gatehouse.local", "reviewer-demo");
    const reviewer2 = await signIn(B, "reviewer2@gatehouse.local", "reviewer2-demo");
    const first = await consoleVote(B, reviewer, actionId, "reviewer-demo");
    expect(first.status, JSON.stringify(first.body)).toBe(200);

    const started = Date.now();
    const poll = agentCall(A, "GET", `/api/v1/actions/${actionId}?wait=30`).then((r) => ({ ...r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 500));
    const decided = await consoleVote(B, reviewer2, actionId, "reviewer2-demo");
    const decidedAt = Date.now();
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const got = await poll;
    expect(got.body.status).toBe("approved");
    expect(typeof got.body.token).toBe("string");
    const latency = got.at - decidedAt;
    console.log(`[next-instances] long-poll on A (next start) answered ${latency} ms after the approval on B returned`);
    expect(latency).toBeLessThan(1_000);
    expect(got.at - started).toBeGreaterThanOrEqual(500);
  });
});
