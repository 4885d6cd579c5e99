/**
 * Diagnostic for issue 19's "two instances never below one": where the per-request CPU goes with
 * one and with two instances, at a given pool size per instance. Not part of `npm run bench`.
 * Usage: npx tsx --import ./scripts/register-server-only.mjs bench/pg-scaling.ts [rounds] [seconds]
 * Prints, per target and tool: req/s, Node / PostgreSQL / load-generator CPU ms per request,
 * context switches per request, backends active (mean), cores busy.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { startScript, type Child } from "./spawn-server";
import { startCluster } from "./pg-cluster";
import { slice, type Server, type Slice, type Target } from "./p9-postgres";

const agent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const configs = (process.env.SCALING_CONFIGS ?? "10/4:1,10/4:2,5/2:2").split(",");

const cluster = await startCluster();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-pgdata-"));
const stops: Child[] = [];
const admin = new pg.Client({ connectionString: cluster.url });
try {
  await admin.connect();
  let seeded = false;
  const targets: Target[] = [];
  for (const c of configs) {
    const [pools, count, conns, pin, rate] = c.split(":");
    const [write, read] = pools!.split("/");
    const servers: Server[] = [];
    for (let k = 0; k < Number(count); k++) {
      const child = await startScript(
        "pg-instance.ts",
        { DATABASE_URL: cluster.url, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PG_POOL_MAX: write!, GATEHOUSE_PG_READ_POOL_MAX: read!, ...(seeded ? {} : { BENCH_SEED: "1" }) },
        pin === "none" ? undefined : pin === "same" ? "0" : String(k % 2),
      );
      seeded = true;
      stops.push(child);
      const base = `http://127.0.0.1:${child.port}`;
      const r = await fetch(`${base}/__bench/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key: agent.key, route: "support/send", count: 10 }),
      });
      servers.push({ name: `${c}#${k}`, base, pid: child.proc.pid, runIds: (await r.json()) as string[] });
    }
    targets.push({
      name: `pool ${write}/${read} × ${count}${conns ? `, ${conns} conns` : ""}${pin ? `, pin ${pin}` : ""}${rate ? `, ${rate} req/s` : ""}`,
      servers,
      pg: true,
      connections: conns ? Number(conns) : undefined,
      rate: rate ? Number(rate) : undefined,
    });
  }
  for (const t of targets) await slice(t, "kb.search", 2, cluster.postmasterPid, null);
  for (const tool of ["kb.search", "ticket.close"] as const) {
    const acc = new Map<Target, Slice[]>(targets.map((t) => [t, []]));
    for (let r = 0; r < rounds; r++)
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + r) % targets.length]!;
        acc.get(t)!.push(await slice(t, tool, seconds, cluster.postmasterPid, admin));
        await new Promise((res) => setTimeout(res, 300));
      }
    console.log(
      `\n${tool} (load ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")})`,
    );
    console.log(
      "| target | req/s | Node ms/req | PG ms/req | gen ms/req | Node sys ms/req | Node preempted/req | ctxsw/req | IPIs/req | active backends | lock waits | statements/req | cores busy |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const t of targets) {
      const ss = acc.get(t)!;
      const total = ss.reduce((a, x) => a + x.total, 0);
      const sum = (f: (x: Slice) => number) => ss.reduce((a, x) => a + f(x), 0);
      const mean = (f: (x: Slice) => number[]) => {
        const v = ss.flatMap(f);
        return v.reduce((a, b) => a + b, 0) / v.length;
      };
      const f = (x: number, d = 2) => x.toFixed(d);
      console.log(
        `| ${t.name} | ${Math.round(total / (seconds * ss.length))} | ${f(sum((x) => x.nodeMs) / total)} | ${f(sum((x) => x.pgMs) / total)} | ${f(sum((x) => x.genMs) / total)} | ${f(sum((x) => x.nodeSysMs) / total)} | ${f(sum((x) => x.nodePreempted) / total, 3)} | ${f(sum((x) => x.ctxt) / total, 1)} | ${f(sum((x) => x.ipis) / total, 1)} | ${f(
          mean((x) => x.activeSamples),
          1,
        )} | ${f(mean((x) => x.lockWaitSamples))} | ${f(sum((x) => x.statements) / total, 1)} | ${f(sum((x) => x.nodeMs + x.pgMs + x.genMs) / sum((x) => x.wallMs))} |`,
      );
    }
  }
} finally {
  await admin.end().catch(() => undefined);
  for (const c of stops.reverse()) await c.stop();
  cluster.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
