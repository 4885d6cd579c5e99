import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { parseEnv } from "@/lib/env";
import { sqlDriver } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { adminQuery } from "./support/pg-admin";

// GATEHOUSE_PG_POOL_MAX / GATEHOUSE_PG_READ_POOL_MAX: a deployment sizes the total and gives each
// instance its share (docs/postgres-operations.md). The sizes must hold under load (never more
// backends than configured, work queues instead of failing) and a bad value must stop the start.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
const saved = { w: process.env.GATEHOUSE_PG_POOL_MAX, r: process.env.GATEHOUSE_PG_READ_POOL_MAX };

beforeAll(async () => {
  process.env.GATEHOUSE_PG_POOL_MAX = "2";
  process.env.GATEHOUSE_PG_READ_POOL_MAX = "1";
  ctx = await freshDemoDb();
});
afterAll(async () => {
  await ctx.cleanup();
  for (const [k, v] of [
    ["GATEHOUSE_PG_POOL_MAX", saved.w],
    ["GATEHOUSE_PG_READ_POOL_MAX", saved.r],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

describe("the PostgreSQL pool sizes", () => {
  it("refuse a bad value with a message that names the variable, and default to 10 and 4", () => {
    const base: NodeJS.ProcessEnv = {
      NODE_ENV: "test",
      DATABASE_URL: "postgres://gatehouse@127.0.0.1:1/gatehouse",
      GATEHOUSE_SESSION_SECRET: crypto.randomBytes(32).toString("base64url"),
      GATEHOUSE_AT_REST_KEY: crypto.randomBytes(32).toString("base64"),
    };
    const bad: [string, string][] = [
      ["GATEHOUSE_PG_POOL_MAX", "0"],
      ["GATEHOUSE_PG_POOL_MAX", "101"],
      ["GATEHOUSE_PG_POOL_MAX", "2.5"],
      ["GATEHOUSE_PG_POOL_MAX", "ten"],
      ["GATEHOUSE_PG_READ_POOL_MAX", "0"],
      ["GATEHOUSE_PG_READ_POOL_MAX", "51"],
    ];
    for (const [k, v] of bad) expect(() => parseEnv({ ...base, [k]: v })).toThrow(new RegExp(`${k}:`));
    const d = parseEnv(base);
    expect([d.GATEHOUSE_PG_POOL_MAX, d.GATEHOUSE_PG_READ_POOL_MAX]).toEqual([10, 4]);
  });

  it("hold under 24 concurrent proposals: at most 2 write and 1 read connection, every call answered", async () => {
    const driver = await sqlDriver();
    if (driver.kind !== "postgres") throw new Error("expected PostgreSQL");
    const agent = await authenticateAgent(new Request("http://test/", { headers: { authorization: `Bearer ${DEMO_AGENTS.find((a) => a.name === "acme-support")!.key}` } }));
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => startRun(agent, "support/send", { requestId: `pool-run-${i}` })));
    let maxWrite = 0;
    let maxRead = 0;
    let maxBackends = 0;
    let sampling = true;
    const dbName = new URL(ctx.databaseUrl).pathname.slice(1);
    const sampler = (async () => {
      while (sampling) {
        maxWrite = Math.max(maxWrite, driver.pool.totalCount);
        maxRead = Math.max(maxRead, driver.readPool.totalCount);
        const [r] = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = ''", [dbName]);
        maxBackends = Math.max(maxBackends, Number(r!.n));
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const views = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const a = await authenticateAgent(new Request("http://test/", { headers: { authorization: `Bearer ${DEMO_AGENTS.find((x) => x.name === "acme-support")!.key}` } }));
        const r = await proposeAction(a, { run_id: runs[i % 4]!.run_id, tool: "kb.search", args: { query: `q${i}` }, idempotency_key: `pool-${i}` }, { requestId: `pool-${i}` });
        return r.view.status;
      }),
    );
    sampling = false;
    await sampler;
    expect(views).toEqual(Array.from({ length: 24 }, () => "allowed"));
    expect(driver.pool.options.max).toBe(2);
    expect(driver.readPool.options.max).toBe(1);
    expect(maxWrite).toBeLessThanOrEqual(2);
    expect(maxRead).toBeLessThanOrEqual(1);
    expect(maxWrite).toBeGreaterThan(0);
    // This process's backends on the database: write + read + wake pools, the chains' claim and the
    // notify sender at most (the LISTEN worker is not started here): never the 21 of the defaults.
    expect(maxBackends).toBeLessThanOrEqual(2 + 1 + 2 + 1 + 2);
  });
});
