/**
 * In-process hot-path timings, one call at a time (no HTTP, no contention):
 * proposeAction for an allowed read and a pending write, and one audit append
 * in a raw transaction (the agent API), in an ORM transaction (console paths)
 * and the way before raw SQL (ORM create in an ORM transaction). Run as
 * a child by run.ts (it needs its own data directory); prints one JSON line.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const quick = process.argv.includes("--quick");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-hot-"));
process.env.GATEHOUSE_DATA_DIR = dir;
process.env.DATABASE_URL = `file:${path.join(dir, "gatehouse.db")}`;
process.env.GATEHOUSE_DEMO = "1";

const { env } = await import("@/lib/env");
const { migrate } = await import("@/lib/db/migrate");
const { db } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/seed/seed-demo");
const { authenticateAgent } = await import("@/lib/agents/authenticate-agent");
const { startRun } = await import("@/lib/runs/start-run");
const { proposeAction } = await import("@/lib/actions/propose-action");
const { appendAudit } = await import("@/lib/audit/append");
const { sqlTransaction } = await import("@/lib/db/sql");
const { hashAuditRecord } = await import("@/lib/audit/chain");
const { DEMO_AGENTS } = await import("@/lib/seed/demo-data");
const { timeAsync, round } = await import("./stats");

await migrate(env().databaseUrl);
await seedDemo();
const key = DEMO_AGENTS.find((a) => a.name === "acme-support")!.key;
const agent = await authenticateAgent(new Request("http://x/", { headers: { authorization: `Bearer ${key}` } }));
const run = await startRun(agent, "support/send", { requestId: "hot" });
await db().run.update({ where: { id: run.run_id }, data: { stepsMax: 1_000_000_000, usdMaxMicros: 1_000_000_000 } });

const sizes = { batches: quick ? 10 : 40, perBatch: 20, warmup: 50 };
let n = 0;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const read = await timeAsync(
  () => proposeAction(agent, { run_id: run.run_id, tool: "kb.search", args: { query: "q" }, idempotency_key: `r${n++}` } as never, { requestId: "hot" }),
  sizes,
);
const readCpuShare = (() => {
  const c = process.cpuUsage(cpu0);
  return (c.user + c.system) / 1000 / (performance.now() - wall0);
})();
const write = await timeAsync(
  () => proposeAction(agent, { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-1001" }, idempotency_key: `w${n++}` } as never, { requestId: "hot" }),
  sizes,
);
const event = { type: "bench.event", actorType: "system" as const, tenantId: "acme", env: "prod", route: "support/send", tool: "kb.search", status: "ok", data: { n: 1 } };
const raw = await timeAsync(() => sqlTransaction((sql) => appendAudit(sql, event)), sizes);
const viaOrmTx = await timeAsync(() => db().$transaction((tx) => appendAudit(tx, event)), sizes);
// The previous implementation, kept here only to measure against.
const orm = await timeAsync(
  () =>
    db().$transaction(async (tx) => {
      const head = await tx.$queryRaw<{ seq: number | bigint; hash: string }[]>`UPDATE "AuditHead" SET "seq" = "seq" + 1 WHERE "id" = 1 RETURNING "seq", "hash"`;
      const top = head[0]!;
      const record = {
        seq: Number(top.seq),
        at: new Date().toISOString(),
        requestId: null,
        actorType: "system",
        actorId: null,
        type: event.type,
        tenantId: "acme",
        env: "prod",
        route: "support/send",
        tool: "kb.search",
        argsHash: null,
        idempotencyKey: null,
        credentialScope: null,
        actionId: null,
        runId: null,
        approvalIds: null,
        breakGlassSessionId: null,
        status: "ok",
        reason: null,
        durationMs: null,
        jti: null,
        data: JSON.stringify(event.data),
        prevHash: top.hash,
      };
      const hash = hashAuditRecord(record);
      await tx.auditEvent.create({ data: { ...record, at: new Date(record.at), hash } });
      await tx.$executeRaw`UPDATE "AuditHead" SET "hash" = ${hash} WHERE "id" = 1`;
    }),
  sizes,
);
const ms = (us: number) => round(us / 1000, 2);
console.log(
  `RESULT ${JSON.stringify({
    proposeReadMs: ms(read.median),
    proposeReadP99Ms: ms(read.p99),
    proposeReadCpuShare: round(readCpuShare, 2),
    proposeWriteMs: ms(write.median),
    proposeWriteP99Ms: ms(write.p99),
    auditRawMs: ms(raw.median),
    auditOrmTxMs: ms(viaOrmTx.median),
    auditOrmMs: ms(orm.median),
  })}`,
);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
