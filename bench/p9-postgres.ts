import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import autocannon from "autocannon";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { BENCH_ONLY_ACK } from "@/lib/env";
import { startScript, type Child } from "./spawn-server";
import { clusterCpuMs, startCluster } from "./pg-cluster";
import { round, summarize, type BenchResult } from "./stats";

const agent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;
const CONNECTIONS = 50;

export type Server = { name: string; base: string; pid: number | undefined; runIds: string[] };
/** commitDelay: the slice runs with PostgreSQL's group commit on (commit_delay µs, commit_siblings), set cluster-wide and reloaded. */
export type Target = { name: string; servers: Server[]; pg: boolean; bound?: boolean; connections?: number; rate?: number; commitDelay?: { us: number; siblings: number } };
export type Slice = {
  total: number;
  non2xx: number;
  errors: number;
  times: number[];
  nodeMs: number;
  pgMs: number;
  genMs: number;
  wallMs: number;
  lockWaitSamples: number[];
  /** Backends of the bench databases running a statement (state 'active'), sampled with the lock waits. */
  activeSamples: number[];
  /** Context switches of the whole machine over the slice (/proc/stat ctxt). */
  ctxt: number;
  /** Inter-processor interrupts over the slice (RES + CAL). */
  ipis: number;
  /** Of nodeMs, in the kernel. */
  nodeSysMs: number;
  /** The instances' preemptions over the slice (nonvoluntary context switches). */
  nodePreempted: number;
  statements: number;
};

/** Inter-processor interrupts since boot, all CPUs: rescheduling (a wake-up of a task on another CPU) and function calls (/proc/interrupts RES + CAL). */
export function ipis(): number {
  let n = 0;
  for (const line of fs.readFileSync("/proc/interrupts", "utf8").split("\n")) {
    const m = /^\s*(RES|CAL):((?:\s+\d+)+)/.exec(line);
    if (m)
      n += m[2]!
        .trim()
        .split(/\s+/)
        .reduce((a, x) => a + Number(x), 0);
  }
  return n;
}

/** Times a process (all its threads) was switched out while it could still run: preempted (/proc/<pid>/task/<tid>/status nonvoluntary_ctxt_switches). */
export function preemptions(pid: number | undefined): number {
  try {
    let n = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const m = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"));
      n += m ? Number(m[1]) : 0;
    }
    return n;
  } catch {
    return NaN;
  }
}

/** Kernel-mode CPU ms of a process (stime). */
export function sysMs(pid: number | undefined): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[12]) * 10;
  } catch {
    return NaN;
  }
}

/** Context switches since boot, all CPUs (/proc/stat's ctxt line). */
export function contextSwitches(): number {
  const m = /^ctxt (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"));
  return m ? Number(m[1]) : NaN;
}

const BENCH_DBS = ["gatehouse_bench", "gatehouse_bound"];

/** Statements PostgreSQL ran in the bench databases since the last reset (pg_stat_statements: BEGIN/COMMIT sent as named statements are not recorded), not counting this sampler's. */
async function statementCount(admin: pg.Client): Promise<number> {
  const r = await admin.query<{ n: string | null }>(
    `SELECT sum(s.calls) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ANY($1) AND s.query NOT LIKE '%pg_stat%'`,
    [BENCH_DBS],
  );
  return Number(r.rows[0]!.n ?? 0);
}

function cpuMs(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

async function postJson<T>(url: string, body: unknown, key?: string): Promise<T> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** PostgreSQL's own group commit: a committing backend waits commit_delay µs for others when commit_siblings are in transactions. */
async function setCommitDelay(admin: pg.Client, us: number, siblings: number): Promise<void> {
  await admin.query(`ALTER SYSTEM SET commit_delay = ${Math.trunc(us)}`);
  await admin.query(`ALTER SYSTEM SET commit_siblings = ${Math.trunc(siblings)}`);
  await admin.query("SELECT pg_reload_conf()");
  await new Promise((r) => setTimeout(r, 200)); // backends read the new settings at their next command
}

/** One slice: 50 connections split across the target's servers, all at once; lock waits sampled every 50 ms. `until`: run until it settles instead (at most `seconds`). */
export async function slice(
  t: Target,
  tool: "kb.search" | "ticket.close",
  seconds: number,
  postmasterPid: number,
  admin: pg.Client | null,
  until?: Promise<unknown>,
): Promise<Slice> {
  const node0 = t.servers.reduce((a, s) => a + cpuMs(s.pid), 0);
  const pg0 = t.pg ? clusterCpuMs(postmasterPid) : 0;
  // The load generator (autocannon) runs in this process: its CPU is the rest of what the box does.
  const gen0 = process.cpuUsage();
  const wall0 = performance.now();
  const samples: number[] = [];
  const active: number[] = [];
  const ctxt0 = contextSwitches();
  const ipi0 = ipis();
  const sys0 = t.servers.reduce((a, s) => a + sysMs(s.pid), 0);
  const pre0 = t.servers.reduce((a, s) => a + preemptions(s.pid), 0);
  if (admin && t.commitDelay) await setCommitDelay(admin, t.commitDelay.us, t.commitDelay.siblings);
  if (admin && t.pg) await admin.query("SELECT pg_stat_statements_reset()");
  let sampling = Boolean(admin && t.pg);
  const sampler = (async () => {
    while (sampling) {
      const r = await admin!.query<{ n: string; a: string }>(
        `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') AS n, count(*) FILTER (WHERE state = 'active') AS a FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`,
        [BENCH_DBS],
      );
      samples.push(Number(r.rows[0]!.n));
      active.push(Number(r.rows[0]!.a));
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const tag = Math.random().toString(36).slice(2, 8);
  const args = tool === "kb.search" ? { query: "refund policy" } : { ticket_id: "T-1001", resolution: "done" };
  const per = Math.floor((t.connections ?? CONNECTIONS) / t.servers.length);
  const results = await Promise.all(
    t.servers.map((s, k) => {
      let i = 0;
      const times: number[] = [];
      const answered = new Set<unknown>();
      const run = autocannon({
        url: s.base,
        connections: per,
        ...(t.rate ? { overallRate: Math.floor(t.rate / t.servers.length) } : {}),
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/api/v1/actions",
            headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
            setupRequest: (req) => {
              const n = i++;
              return { ...req, body: JSON.stringify({ run_id: s.runIds[n % s.runIds.length], tool, args, idempotency_key: `${tag}-${k}-${n}` }) };
            },
          },
        ],
      }).on("response", (client, _status, _bytes, ms) => {
        if (answered.has(client)) times.push(ms);
        else answered.add(client);
      });
      void until?.finally(() => run.stop());
      return run.then((r) => ({ r, times }));
    }),
  );
  const gen = process.cpuUsage(gen0);
  const wallMs = performance.now() - wall0;
  const ctxt = contextSwitches() - ctxt0;
  const ipi = ipis() - ipi0;
  const nodeSysMs = t.servers.reduce((a, s) => a + sysMs(s.pid), 0) - sys0;
  const nodePreempted = t.servers.reduce((a, s) => a + preemptions(s.pid), 0) - pre0;
  sampling = false;
  await sampler;
  const statements = admin && t.pg ? await statementCount(admin) : NaN;
  if (admin && t.commitDelay) await setCommitDelay(admin, 0, 5);
  return {
    statements,
    total: results.reduce((a, x) => a + x.r.requests.total, 0),
    non2xx: results.reduce((a, x) => a + x.r.non2xx, 0),
    errors: results.reduce((a, x) => a + x.r.errors + x.r.timeouts, 0),
    times: results.flatMap((x) => x.times),
    nodeMs: t.servers.reduce((a, s) => a + cpuMs(s.pid), 0) - node0,
    pgMs: t.pg ? clusterCpuMs(postmasterPid) - pg0 : NaN,
    genMs: (gen.user + gen.system) / 1000,
    wallMs,
    lockWaitSamples: samples,
    activeSamples: active,
    ctxt,
    ipis: ipi,
    nodeSysMs,
    nodePreempted,
  };
}

/** `n` concurrent run starts, alternating over the servers: statuses and latencies. */
async function runStarts(
  servers: Server[],
  n: number,
  postmasterPid: number,
): Promise<{ ok: number; s429: number; s5xx: number; other: number; p50: number; p99: number; retryAfter: boolean; nodeMsPerRun: number; pgMsPerRun: number }> {
  let retryAfter = true;
  const node0 = servers.reduce((a, s) => a + cpuMs(s.pid), 0);
  const pg0 = clusterCpuMs(postmasterPid);
  const res = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t0 = performance.now();
      try {
        const r = await fetch(`${servers[i % servers.length]!.base}/api/v1/runs`, {
          method: "POST",
          headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
          body: JSON.stringify({ route: "support/send" }),
        });
        await r.arrayBuffer();
        if (r.status === 429 && !r.headers.get("retry-after")) retryAfter = false;
        return { status: r.status, ms: performance.now() - t0 };
      } catch {
        return { status: 0, ms: performance.now() - t0 };
      }
    }),
  );
  const times = summarize(res.map((r) => r.ms));
  return {
    ok: res.filter((r) => r.status >= 200 && r.status < 300).length,
    s429: res.filter((r) => r.status === 429).length,
    s5xx: res.filter((r) => r.status >= 500).length,
    other: res.filter((r) => r.status === 0 || (r.status >= 300 && r.status < 500 && r.status !== 429)).length,
    p50: round(times.median, 0),
    p99: round(times.p99, 0),
    retryAfter,
    nodeMsPerRun: round((servers.reduce((a, s) => a + cpuMs(s.pid), 0) - node0) / n, 2),
    pgMsPerRun: round((clusterCpuMs(postmasterPid) - pg0) / n, 2),
  };
}

/** `n` pending actions (ticket.close: one approval), then all approved at once, split over the servers: approvals/s, latency, CPU per vote. */
async function distinctApprovals(servers: Server[], n: number, postmasterPid: number) {
  const ids: string[][] = servers.map(() => []);
  const tag = Math.random().toString(36).slice(2, 8);
  for (let i = 0; i < n; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async (_, j) => {
        const k = (i + j) % servers.length;
        const s = servers[k]!;
        const created = await postJson<{ action_id: string; status: string }>(
          `${s.base}/api/v1/actions`,
          { run_id: s.runIds[(i + j) % s.runIds.length], tool: "ticket.close", args: { ticket_id: "T-1001", resolution: "done" }, idempotency_key: `vote-${tag}-${i + j}` },
          agent.key,
        );
        if (created.status !== "pending") throw new Error(`expected a pending action, got ${created.status}`);
        ids[k]!.push(created.action_id);
      }),
    );
  }
  const node0 = servers.reduce((a, s) => a + cpuMs(s.pid), 0);
  const pg0 = clusterCpuMs(postmasterPid);
  const t0 = performance.now();
  const res = await Promise.all(servers.map((s, k) => postJson<{ approved: number; failed: string[]; ms: number[] }>(`${s.base}/__bench/votes`, { actionIds: ids[k] })));
  const wall = performance.now() - t0;
  const times = summarize(res.flatMap((r) => r.ms));
  return {
    approved: res.reduce((a, r) => a + r.approved, 0),
    failed: res.flatMap((r) => r.failed),
    perSecond: round((1000 * n) / wall, 1),
    p50: round(times.median, 0),
    p99: round(times.p99, 0),
    nodeMsPerVote: round((servers.reduce((a, s) => a + cpuMs(s.pid), 0) - node0) / n, 2),
    pgMsPerVote: round((clusterCpuMs(postmasterPid) - pg0) / n, 2),
  };
}

/**
 * The wake-up probe, in a worker thread of its own: the load generator's event loop (autocannon, in
 * this thread) would otherwise sit between a response arriving and its timestamp, on both ends.
 */
const WAKE_PROBE = `
const { parentPort, workerData: w } = require("node:worker_threads");
(async () => {
  const h = { authorization: "Bearer " + w.key, "content-type": "application/json" };
  const lat = [];
  const now = () => performance.timeOrigin + performance.now();
  for (let i = 0; i < w.count; i++) {
    const r = await fetch(w.a + "/api/v1/actions", { method: "POST", headers: h, body: JSON.stringify({ run_id: w.runId, tool: "ticket.close", args: { ticket_id: "T-1001" }, idempotency_key: "wake-" + Date.now() + "-" + i }) });
    const created = await r.json();
    const waiting = fetch(w.b + "/api/v1/actions/" + created.action_id + "?wait=30", { headers: h }).then(async (x) => { await x.arrayBuffer(); return now(); });
    await new Promise((res) => setTimeout(res, 100)); // the waiter is registered on B
    const c = await fetch(w.a + "/api/v1/actions/" + created.action_id + "/cancel", { method: "POST", headers: h, body: "{}" });
    await c.arrayBuffer();
    const cancelled = now();
    lat.push((await waiting) - cancelled);
  }
  parentPort.postMessage(lat);
})().catch((e) => parentPort.postMessage({ error: String(e) }));
`;

/**
 * Long-polls on B woken by cancellations on A, while a P3 load runs on both until the probe has its
 * `count` samples: wake-up latency (B's answer − A's cancel answer) and the load's req/s meanwhile.
 */
async function crossInstanceWakeups(a: Server, b: Server, count: number, postmasterPid: number): Promise<{ lat: number[]; loadRps: number }> {
  const loadT: Target = { name: "load", servers: [a, b], pg: true };
  let done!: () => void;
  const probeDone = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  const load = slice(loadT, "ticket.close", 600, postmasterPid, null, probeDone);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const worker = new Worker(WAKE_PROBE, { eval: true, workerData: { a: a.base, b: b.base, runId: a.runIds[0], key: agent.key, count } });
    const lat = await new Promise<number[]>((resolve, reject) => {
      worker.once("message", (m: number[] | { error: string }) => (Array.isArray(m) ? resolve(m) : reject(new Error(m.error))));
      worker.once("error", reject);
    });
    await worker.terminate();
    done();
    const l = await load;
    return { lat, loadRps: (1000 * l.total) / (performance.now() - t0) };
  } finally {
    done();
  }
}

/**
 * PG: the agent API on PostgreSQL 15 with durable settings (fsync, synchronous_commit on), one and
 * two instances (pinned to separate cores with taskset), interleaved in the same run with the SQLite
 * handlers; P2 (allowed read) and P3 (pending write) at 50 connections; then 300 and 2,000
 * concurrent run starts across two instances and long-poll wake-ups across instances under load.
 */
export async function benchPostgres(quick: boolean): Promise<BenchResult[]> {
  const loadBefore = os.loadavg();
  // Quick mode (CI) takes more, shorter turns (3 × 2 s) so a busy spell falls on every target, and
  // leaves out the commit_delay slice (measured twice, not adopted: bench/README.md) to stay in time.
  const rounds = quick ? 3 : 4;
  const seconds = quick ? 2 : 5;
  const cores = os.cpus().length;
  const cluster = await startCluster();
  // One data directory for both instances: the same generated secrets, as production gives every instance the same ones.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-pgdata-"));
  const stops: Child[] = [];
  const admin = new pg.Client({ connectionString: cluster.url });
  try {
    // Size the deployment's total, not each instance (docs/postgres-operations.md): the one-instance
    // targets run with the total (10 write + 4 read connections, the defaults), each instance of a pair
    // with half (5 + 2) — the same 14 backends doing the work either way. So one and two instances are
    // separate processes: A1 alone, A2 + B2 the pair (and C1, C2 + D2 for the bound, sized alike).
    const TOTAL = { write: 10, read: 4 };
    const pools = (n: number) => ({ GATEHOUSE_PG_POOL_MAX: String(TOTAL.write / n), GATEHOUSE_PG_READ_POOL_MAX: String(TOTAL.read / n) });
    const A = await startScript("pg-instance.ts", { DATABASE_URL: cluster.url, GATEHOUSE_DATA_DIR: dataDir, BENCH_SEED: "1", ...pools(1) }, cores > 1 ? "0" : undefined);
    stops.push(A);
    const A2 = await startScript("pg-instance.ts", { DATABASE_URL: cluster.url, GATEHOUSE_DATA_DIR: dataDir, ...pools(2) }, cores > 1 ? "0" : undefined);
    stops.push(A2);
    const B = await startScript("pg-instance.ts", { DATABASE_URL: cluster.url, GATEHOUSE_DATA_DIR: dataDir, ...pools(2) }, cores > 1 ? "1" : undefined);
    stops.push(B);
    const S = await startScript("gatehouse-server.ts", {}, cores > 1 ? "0" : undefined);
    stops.push(S);
    // The upper bound: the same instances on a database of their own (NOTIFY is per database), whose
    // audit rows have no chain head at all — the bench-only switch lib/env refuses outside a benchmark.
    await admin.connect();
    await admin.query("CREATE DATABASE gatehouse_bound");
    const boundUrl = cluster.url.replace(/\/gatehouse_bench$/, "/gatehouse_bound");
    const bound = { DATABASE_URL: boundUrl, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: "1", GATEHOUSE_BENCH_ONLY: BENCH_ONLY_ACK };
    const C = await startScript("pg-instance.ts", { ...bound, BENCH_SEED: "1", ...pools(1) }, cores > 1 ? "0" : undefined);
    stops.push(C);
    const C2 = await startScript("pg-instance.ts", { ...bound, ...pools(2) }, cores > 1 ? "0" : undefined);
    stops.push(C2);
    const D = await startScript("pg-instance.ts", { ...bound, ...pools(2) }, cores > 1 ? "1" : undefined);
    stops.push(D);
    const server = async (name: string, c: Child, runsPath: string): Promise<Server> => {
      const base = `http://127.0.0.1:${c.port}`;
      return { name, base, pid: c.proc.pid, runIds: await postJson<string[]>(`${base}${runsPath}`, { key: agent.key, route: "support/send", count: 10 }) };
    };
    const a = await server("PG A", A, "/__bench/runs");
    const a2 = await server("PG A2", A2, "/__bench/runs");
    const b = await server("PG B", B, "/__bench/runs");
    const s = await server("SQLite", S, "/__bench/runs");
    const c = await server("bound C", C, "/__bench/runs");
    const c2 = await server("bound C2", C2, "/__bench/runs");
    const d = await server("bound D", D, "/__bench/runs");
    // Like for like: the measured and the bound instances are pinned alike (A, A2, C and C2 on core 0,
    // B and D on core 1) and sized alike; the two-instance goal compares A2+B against C2+D, the
    // one-instance report A against C, and "two ≥ one" A2+B against A.
    const sqliteT: Target = { name: "SQLite, 1 instance (core 0)", servers: [s], pg: false };
    const oneT: Target = { name: "PostgreSQL, 1 instance (A, core 0; pools 10 + 4)", servers: [a], pg: true };
    const twoT: Target = { name: "PostgreSQL, 2 instances (A2 core 0 + B core 1, pools 5 + 2 each, load split)", servers: [a2, b], pg: true };
    const delayedT: Target = { name: "PostgreSQL, 2 instances, commit_delay 500 µs (siblings 3)", servers: [a2, b], pg: true, commitDelay: { us: 500, siblings: 3 } };
    const bound1T: Target = { name: "bound: no chain head, 1 instance (C, core 0; pools 10 + 4)", servers: [c], pg: true, bound: true };
    const bound2T: Target = { name: "bound: no chain head, 2 instances (C2 core 0 + D core 1, pools 5 + 2 each, load split)", servers: [c2, d], pg: true, bound: true };
    const targets: Target[] = quick ? [sqliteT, oneT, twoT, bound1T, bound2T] : [sqliteT, oneT, twoT, delayedT, bound1T, bound2T];
    for (const t of targets) await slice(t, "kb.search", 2, cluster.postmasterPid, null); // warm-up
    const out: BenchResult[] = [];
    for (const [bench, tool] of [
      ["P2 allowed read", "kb.search"],
      ["P3 pending write", "ticket.close"],
    ] as const) {
      const slices = new Map<Target, Slice[]>(targets.map((t) => [t, []]));
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(k + r) % targets.length]!;
          slices.get(t)!.push(await slice(t, tool, seconds, cluster.postmasterPid, admin));
          await new Promise((res) => setTimeout(res, 300));
        }
      }
      const rows = targets.map((t) => {
        const ss = slices.get(t)!;
        const total = ss.reduce((x, y) => x + y.total, 0);
        const times = summarize(ss.flatMap((x) => x.times));
        const locks = ss.flatMap((x) => x.lockWaitSamples);
        return {
          t,
          rps: total / (seconds * ss.length),
          p50: round(times.median, 1),
          p99: round(times.p99, 1),
          nodeMsPerReq: ss.reduce((x, y) => x + y.nodeMs, 0) / total,
          pgMsPerReq: t.pg ? ss.reduce((x, y) => x + y.pgMs, 0) / total : NaN,
          lockWaits: locks.length ? locks.reduce((x, y) => x + y, 0) / locks.length : NaN,
          non2xx: ss.reduce((x, y) => x + y.non2xx, 0),
          errors: ss.reduce((x, y) => x + y.errors, 0),
          statementsPerReq: t.pg ? ss.reduce((x, y) => x + y.statements, 0) / total : NaN,
          // Cores kept busy by the instances, PostgreSQL and the load generator together, over the slices' wall time.
          coresBusy: ss.reduce((x, y) => x + y.nodeMs + (t.pg ? y.pgMs : 0) + y.genMs, 0) / ss.reduce((x, y) => x + y.wallMs, 0),
          total,
        };
      });
      const row = (t: Target) => rows.find((x) => x.t === t);
      const sqlite = row(sqliteT)!;
      const one = row(oneT)!;
      const two = row(twoT)!;
      const delayed = row(delayedT);
      const bound1 = row(bound1T)!;
      const bound2 = row(bound2T)!;
      out.push({
        id: bench.startsWith("P2") ? "PG2" : "PG3",
        title: `${bench} on PostgreSQL 15 (durable: fsync, synchronous_commit on), 1 and 2 instances, interleaved with SQLite, ${CONNECTIONS} connections`,
        rows: rows.map((x) => ({
          target: x.t.name,
          "req/s": Math.round(x.rps),
          "vs SQLite": `${round(x.rps / sqlite.rps, 2)}×`,
          "p50 ms": x.p50,
          "p99 ms": x.p99,
          "Node CPU ms/req": round(x.nodeMsPerReq, 2),
          "PG CPU ms/req": Number.isNaN(x.pgMsPerReq) ? "—" : round(x.pgMsPerReq, 2),
          "backends waiting on a lock (mean)": Number.isNaN(x.lockWaits) ? "—" : round(x.lockWaits, 2),
          "statements/req": Number.isNaN(x.statementsPerReq) ? "—" : round(x.statementsPerReq, 1),
          [`cores busy (of ${cores})`]: round(x.coresBusy, 2),
          requests: x.total,
          "non-2xx": x.non2xx,
          errors: x.errors,
        })),
        goals: [
          {
            goal: "two instances (A2+B) ≥ 85% of the no-chain-head bound with two instances (C2+D), pinned and sized alike",
            value: `${Math.round((100 * two.rps) / bound2.rps)}%`,
            met: two.rps >= 0.85 * bound2.rps,
          },
          { goal: "one instance (A) vs the bound with one (C) (report)", value: `${Math.round((100 * one.rps) / bound1.rps)}%`, met: true },
          { goal: "two instances ≥ one instance (req/s)", value: `${round(two.rps / one.rps, 2)}×`, met: two.rps >= one.rps },
          {
            goal: "two against one, with no chain head at all (C2+D vs C: what the box allows; report)",
            value: `${round(bound2.rps / bound1.rps, 2)}× (one instance keeps ${round(one.coresBusy, 2)} of ${cores} cores busy)`,
            met: true,
          },
          { goal: "one instance vs SQLite (report)", value: `${round(one.rps / sqlite.rps, 2)}×`, met: true },
          ...(delayed ? [{ goal: "PostgreSQL group commit (commit_delay) vs without, 2 instances (report)", value: `${round(delayed.rps / two.rps, 2)}×`, met: true }] : []),
          { goal: "one instance: p99 ≤ 150 ms at 50 connections", value: `${one.p99} ms`, met: one.p99 <= 150 },
        ],
        loadBefore,
        loadAfter: os.loadavg(),
        notes: [
          `${rounds} rounds of ${seconds}s slices per target, taking turns (order rotating); p50/p99 over requests on connections already answered once. Instances pinned with taskset (A, A2, C, C2 and SQLite on core 0, B and D on core 1) on a ${cores}-core machine shared with PostgreSQL, the load generator and other jobs: compare ratios within this run.`,
          "Pools: the deployment's total (10 write + 4 read connections) — one instance holds all of it, each of two half (GATEHOUSE_PG_POOL_MAX, GATEHOUSE_PG_READ_POOL_MAX; docs/postgres-operations.md). The bound: the same instances (C and C2 on core 0, D on core 1), sized alike, on a second database of the same cluster, started with GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD (audit rows inserted with no chain head: the difference is exactly the chain's cost; lib/env refuses the switch outside a benchmark).",
          "statements/req: pg_stat_statements calls (background sweeps too; BEGIN and COMMIT, sent as named statements, are not recorded) over the slice ÷ responses.",
        ],
      });
    }

    const starts300 = await runStarts([a2, b], 300, cluster.postmasterPid);
    const starts2000 = await runStarts([a2, b], 2000, cluster.postmasterPid);
    const votes = await distinctApprovals([a2, b], 300, cluster.postmasterPid);
    const woken = await crossInstanceWakeups(a2, b, quick ? 60 : 120, cluster.postmasterPid);
    const wake = summarize(woken.lat);
    out.push({
      id: "PG-R",
      title: "PostgreSQL, 2 instances: concurrent run starts, and long-poll wake-ups across instances under P3 load",
      rows: [
        {
          case: "300 concurrent run starts",
          "2xx": starts300.ok,
          "429": starts300.s429,
          "5xx": starts300.s5xx,
          other: starts300.other,
          "p50 ms": starts300.p50,
          "p99 ms": starts300.p99,
          "Node CPU ms/run": starts300.nodeMsPerRun,
          "PG CPU ms/run": starts300.pgMsPerRun,
        },
        {
          case: "2,000 concurrent run starts",
          "2xx": starts2000.ok,
          "429": starts2000.s429,
          "5xx": starts2000.s5xx,
          other: starts2000.other,
          "p50 ms": starts2000.p50,
          "p99 ms": starts2000.p99,
          "Node CPU ms/run": starts2000.nodeMsPerRun,
          "PG CPU ms/run": starts2000.pgMsPerRun,
        },
        {
          case: "300 distinct approvals at once (console vote), 2 instances",
          "2xx": votes.approved,
          other: votes.failed.length,
          "p50 ms": votes.p50,
          "p99 ms": votes.p99,
          "approvals/s": votes.perSecond,
          "Node CPU ms/run": votes.nodeMsPerVote,
          "PG CPU ms/run": votes.pgMsPerVote,
        },
        {
          case: `long-poll on B woken by a cancel on A, P3 load on both (${Math.round(woken.loadRps)} req/s meanwhile)`,
          "p50 ms": round(wake.median, 1),
          "p99 ms": round(wake.p99, 1),
          samples: wake.n,
        },
      ],
      goals: [
        { goal: "300 run starts: all succeed", value: `${starts300.ok}/300`, met: starts300.ok === 300 },
        { goal: "300 run starts: p99 ≤ 2 s", value: `${starts300.p99} ms`, met: starts300.p99 <= 2000 },
        {
          goal: "2,000 run starts: no 5xx (429 with Retry-After if shed)",
          value: `${starts2000.s5xx} 5xx, ${starts2000.s429} 429`,
          met: starts2000.s5xx === 0 && starts2000.retryAfter,
        },
        {
          goal: "300 distinct approvals: all approved (report approvals/s; issue 19 recorded 35–56/s)",
          value: `${votes.approved}/300, ${votes.perSecond}/s${votes.failed.length ? `; ${votes.failed.join("; ")}` : ""}`,
          met: votes.approved === 300,
        },
        { goal: "cross-instance long-poll wake-up p99 ≤ 50 ms", value: `${round(wake.p99, 1)} ms`, met: wake.p99 <= 50 },
      ],
      loadBefore,
      loadAfter: os.loadavg(),
    });
    return out;
  } finally {
    await admin.end().catch(() => undefined);
    for (const c of stops.reverse()) await c.stop();
    cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
