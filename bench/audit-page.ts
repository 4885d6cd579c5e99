import fs from "node:fs";
import { closeDb, db } from "@/lib/db/client";
import { queryAuditPage, type AuditFilter } from "@/lib/audit/query";

// `tsx --import ./scripts/register-server-only.mjs bench/audit-page.ts`: time the first filtered page of the audit browser against the
// configured database (seed it first: `npx tsx --import ./scripts/register-server-only.mjs scripts/seed-audit.ts --count 1000000`). Prints numbers;
// it is not a pass/fail test. The target is a p95 under 50 ms for each filter's first page.
// `--json FILE` also writes the timings (bench/p6-audit.ts turns them into goals).

const RUNS = 21; // the first is cold; p95 by nearest rank over all of them

export type PageTiming = { name: string; rows: number; firstMs: number; medianMs: number; p95Ms: number; maxMs: number };

async function main(): Promise<void> {
  const total = await db().auditEvent.count();
  const top = await db().auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, at: true } });
  if (!top) throw new Error("the audit log is empty: run scripts/seed-audit.ts first");
  const sample = await db().auditEvent.findFirstOrThrow({ where: { seq: Math.max(1, Math.floor(Number(top.seq) / 2)) } });
  const dayAgo = new Date(top.at.getTime() - 24 * 3600 * 1000).toISOString();
  const weekAgo = new Date(top.at.getTime() - 7 * 24 * 3600 * 1000).toISOString();
  const cases: { name: string; filter: AuditFilter; before?: number }[] = [
    { name: "no filter", filter: {} },
    { name: "tenant", filter: { tenant: sample.tenantId ?? "acme" } },
    { name: "env", filter: { env: "staging" } },
    { name: "route", filter: { route: sample.route ?? "support/send" } },
    { name: "tool", filter: { tool: sample.tool ?? "email.send" } },
    { name: "actor", filter: { actor: sample.actorId ?? "x" } },
    { name: "event type", filter: { type: sample.type } },
    { name: "status", filter: { status: sample.status ?? "denied" } },
    { name: "request id", filter: { request_id: sample.requestId ?? "x" } },
    { name: "action id", filter: { action_id: sample.actionId ?? "x" } },
    { name: "break-glass session", filter: { break_glass_session_id: "bg_seed_3" } },
    { name: "last 24 h", filter: { from: dayAgo } },
    { name: "a day a week ago", filter: { from: weekAgo, to: new Date(Date.parse(weekAgo) + 24 * 3600 * 1000).toISOString() } },
    { name: "tenant+env+tool", filter: { tenant: sample.tenantId ?? "acme", env: sample.env ?? "prod", tool: sample.tool ?? "email.send" } },
    { name: "tenant+type+status", filter: { tenant: sample.tenantId ?? "acme", type: sample.type, status: sample.status ?? "ok" } },
    { name: "tenant, deep page", filter: { tenant: sample.tenantId ?? "acme" }, before: Number(sample.seq) },
    { name: "rare tool (none)", filter: { tool: "no.such.tool" } },
  ];
  console.log(`audit log: ${total.toLocaleString()} events; ${RUNS} runs per case (first run = cold)`);
  console.log(["case".padEnd(22), "rows", "first ms", "median ms", "  p95 ms", "  max ms"].join("  "));
  const timings: PageTiming[] = [];
  for (const c of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const page = await queryAuditPage(c.filter, { before: c.before, limit: 50 });
      times.push(performance.now() - t);
      rows = page.rows.length;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const t: PageTiming = { name: c.name, rows, firstMs: times[0]!, medianMs: sorted[Math.floor(RUNS / 2)]!, p95Ms: sorted[Math.ceil(0.95 * RUNS) - 1]!, maxMs: sorted[RUNS - 1]! };
    timings.push(t);
    const fmt = (n: number) => n.toFixed(1).padStart(8);
    console.log([c.name.padEnd(22), String(rows).padStart(4), fmt(t.firstMs), fmt(t.medianMs), fmt(t.p95Ms), fmt(t.maxMs)].join("  "));
  }
  const jsonAt = process.argv.indexOf("--json");
  if (jsonAt > 0) {
    const file = process.argv[jsonAt + 1];
    if (!file) throw new Error("--json needs a file path");
    fs.writeFileSync(file, JSON.stringify({ events: total, runs: RUNS, timings }));
  }
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => closeDb());
