/**
 * P10 — the MCP gateway: an allowed read (`tools/call`) through Gatehouse's
 * /mcp/<route> against the same upstream called directly, in the same run, at
 * 50 concurrent sessions (one SDK Client each, Streamable HTTP). Gateway and
 * upstream run in their own processes; rounds alternate direct and gateway
 * phases so a busy spell on the shared host falls on both. Reports p50 of each,
 * the added p50, and the gateway process's CPU per call (its /proc user+system
 * time over the gateway phases / calls): the upstream's CPU is the same in both.
 * Goals (issue 20): added p50 ≤ 1 ms, added server CPU ≤ 0.5 ms per call.
 */
import fs from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startScript } from "./spawn-server";
import { round, summarize, type BenchResult } from "./stats";
import os from "node:os";

const TOKEN = "bench-upstream-credential-0123456789";
const ACME_KEY = "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx";

function cpuSeconds(pid: number | undefined): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function clients(url: string, headers: Record<string, string>, n: number): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Client({ name: `bench-${i}`, version: "1" });
    await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    out.push(c);
  }
  return out;
}

/** Every client makes `perClient` calls one after another, all clients at once; returns each call's ms. */
async function phase(cs: Client[], tool: string, perClient: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    cs.map(async (c) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        const r = await c.callTool({ name: tool, arguments: { ticket_id: "T-2" } });
        times.push(performance.now() - t0);
        if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
      }
    }),
  );
  return times;
}

/** The same decision over the agent API (POST /api/v1/actions, unique idempotency keys), same concurrency: what the decision alone costs. */
async function apiPhase(base: string, runIds: string[], perClient: number, seq: { n: number }): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    runIds.map(async (run_id) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        const r = await fetch(`${base}/api/v1/actions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${ACME_KEY}` },
          body: JSON.stringify({ run_id, tool: "bench.get_ticket", args: { ticket_id: "T-2" }, idempotency_key: `p10-${seq.n++}` }),
        });
        const body = await r.text();
        times.push(performance.now() - t0);
        if (r.status !== 200 && r.status !== 201) throw new Error(`agent API ${r.status}: ${body}`);
      }
    }),
  );
  return times;
}

export async function benchMcpGateway(quick: boolean): Promise<BenchResult> {
  const loadBefore = os.loadavg();
  const upstream = await startScript("mcp-upstream-server.ts", { BENCH_UPSTREAM_TOKEN: TOKEN });
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const gateway = await startScript("mcp-gateway-server.ts", { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_UPSTREAM_TOKEN: TOKEN }).catch(async (err: unknown) => {
    await upstream.stop();
    throw err;
  });
  const sessions = 50;
  const rounds = quick ? 3 : 6;
  const perClient = quick ? 10 : 20;
  try {
    const direct = await clients(upstreamUrl, { authorization: `Bearer ${TOKEN}` }, sessions);
    const viaGateway = await clients(`http://127.0.0.1:${gateway.port}/mcp/support/send`, { authorization: `Bearer ${ACME_KEY}` }, sessions);
    const gwBase = `http://127.0.0.1:${gateway.port}`;
    const runIds: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const r = await fetch(`${gwBase}/api/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ACME_KEY}` },
        body: JSON.stringify({ route: "support/send" }),
      });
      runIds.push(((await r.json()) as { run_id: string }).run_id);
    }
    const seq = { n: 0 };
    await phase(direct, "get_ticket", 2);
    await phase(viaGateway, "bench.get_ticket", 2);
    await apiPhase(gwBase, runIds, 2, seq);
    const d: number[] = [];
    const g: number[] = [];
    const a: number[] = [];
    let gwCpu = 0;
    let gwCpuDirect = 0;
    let apiCpu = 0;
    for (let r = 0; r < rounds; r++) {
      const c0 = cpuSeconds(gateway.proc.pid);
      d.push(...(await phase(direct, "get_ticket", perClient)));
      const c1 = cpuSeconds(gateway.proc.pid);
      g.push(...(await phase(viaGateway, "bench.get_ticket", perClient)));
      const c2 = cpuSeconds(gateway.proc.pid);
      a.push(...(await apiPhase(gwBase, runIds, perClient, seq)));
      apiCpu += cpuSeconds(gateway.proc.pid) - c2;
      gwCpu += c2 - c1;
      gwCpuDirect += c1 - c0;
    }
    const sd = summarize(d);
    const sg = summarize(g);
    const addedP50 = sg.median - sd.median;
    // The gateway process idles during direct phases; subtract that idle CPU (timers) per phase.
    const cpuPerCall = ((gwCpu - gwCpuDirect) * 1000) / g.length;
    const sa = summarize(a);
    const apiCpuPerCall = ((apiCpu - gwCpuDirect) * 1000) / a.length;
    await Promise.all([...direct, ...viaGateway].map((c) => c.close()));
    return {
      id: "P10",
      title: `MCP gateway: allowed read through /mcp/<route> vs the same upstream directly (${sessions} concurrent sessions, same run)`,
      rows: [
        { path: "upstream directly", calls: sd.n, "p50 ms": round(sd.median), "p99 ms": round(sd.p99) },
        { path: "through the gateway", calls: sg.n, "p50 ms": round(sg.median), "p99 ms": round(sg.p99), "gateway CPU ms/call": round(cpuPerCall, 3) },
        {
          path: "the same decision alone: POST /api/v1/actions on the gateway's process (no upstream call)",
          calls: sa.n,
          "p50 ms": round(sa.median),
          "p99 ms": round(sa.p99),
          "gateway CPU ms/call": round(apiCpuPerCall, 3),
        },
      ],
      goals: [
        { goal: "added p50 ≤ 1 ms", value: `${round(addedP50)} ms`, met: addedP50 <= 1 },
        { goal: "added server CPU ≤ 0.5 ms per call", value: `${round(cpuPerCall, 3)} ms`, met: cpuPerCall <= 0.5 },
      ],
      loadBefore,
      loadAfter: os.loadavg(),
      notes: [
        `Gateway CPU per call is ${round(cpuPerCall / Math.max(apiCpuPerCall, 0.001), 2)}× the agent API's for the same decision in this run: the decision, its audit and the token (proposeAction) cost ${round(apiCpuPerCall, 3)} ms of the ${round(cpuPerCall, 3)} ms.`,
        "The gateway's call is a whole decision (proposeAction: audit, budget step, token mint), an in-process token redemption (audited), the upstream call and reportResult.",
      ],
    };
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}
