import Database from "better-sqlite3";
import { env } from "@/lib/env";
import { migrate } from "@/lib/db/migrate";
import { hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";
import { fastAuditRecordHash as fastHash } from "@/lib/audit/fast-record-hash";

// `tsx --import ./scripts/register-server-only.mjs scripts/seed-audit.ts [--count 1000000]`: append synthetic events to the audit log of
// the configured SQLite database, for browsing and benchmarks at scale. Plain INSERTs with the
// append-only triggers in place, a valid hash chain continuing from the head, one transaction.

const TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"];
const ENVS = ["prod", "staging", "dev"];
const ROUTES = ["support/draft", "support/send", "billing/refund", "ops/cleanup", "sales/outreach", "infra/deploy"];
const TOOLS = ["ticket.read", "ticket.close", "email.send", "refund.create", "customer.delete", "db.write", "crm.update", "deploy.run"];
const TYPES = ["action.decided", "approval.recorded", "action.approved", "token.minted", "token.redeemed", "action.result", "action.expired", "run.started"];
const STATUSES = ["allowed", "pending", "approved", "denied", "rejected", "expired", "ok", "error"];
const SPAN_MS = 30 * 24 * 3600 * 1000;

const CHECKED = 100;

function checkedHash(r: AuditRecord): string {
  const h = hashAuditRecord(r);
  if (fastHash(r) !== h) throw new Error("fast canonical hash disagrees with hashAuditRecord");
  return h;
}

function countArg(): number {
  const i = process.argv.indexOf("--count");
  const n = i === -1 ? 1_000_000 : Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error("--count needs a positive whole number");
  return n;
}

/** Deterministic, cheap pseudo-randomness (xorshift32: every bit varies, unlike an LCG's low bits). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

async function main(): Promise<void> {
  const e = env();
  if (e.provider !== "sqlite") throw new Error("seed-audit writes with better-sqlite3: point DATABASE_URL at a SQLite file");
  await migrate(e.databaseUrl);
  const count = countArg();
  const raw = new Database(e.databaseUrl.slice("file:".length));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  // A large page cache keeps the ten secondary indexes in memory during the bulk insert.
  raw.pragma("cache_size = -524288");
  raw.pragma("temp_store = MEMORY");
  const insert =
    raw.prepare(`INSERT INTO "AuditEvent" ("seq","at","requestId","actorType","actorId","type","tenantId","env","route","tool","argsHash","idempotencyKey","credentialScope","actionId","runId","approvalIds","breakGlassSessionId","status","reason","durationMs","jti","data","prevHash","hash")
    VALUES (${Array(24).fill("?").join(",")})`);
  const started = Date.now();
  const r = rng(count);
  const pick = <T>(xs: readonly T[]) => xs[r() % xs.length]!;
  const seed = raw.transaction(() => {
    const head = raw.prepare(`SELECT "seq","hash" FROM "AuditHead" WHERE "id" = 1`).get() as { seq: number; hash: string } | undefined;
    if (!head) throw new Error("the audit head row is missing: run the migrations first");
    let prev = head;
    const t0 = Date.now() - SPAN_MS;
    for (let i = 0; i < count; i++) {
      const seq = prev.seq + 1;
      const tenant = pick(TENANTS);
      const envName = pick(ENVS);
      const actor = r() % 10 === 0 ? "user" : "agent";
      const at = new Date(t0 + Math.floor((SPAN_MS * i) / count)).toISOString();
      const record: AuditRecord = {
        seq,
        at,
        requestId: `req_seed_${seq}`,
        actorType: actor,
        actorId: actor === "user" ? `user_${r() % 20}` : `cred_${tenant}_${r() % 6}`,
        type: pick(TYPES),
        tenantId: tenant,
        env: envName,
        route: pick(ROUTES),
        tool: pick(TOOLS),
        argsHash: (r().toString(16) + r().toString(16)).padStart(16, "0"),
        idempotencyKey: `k_${seq}`,
        credentialScope: `${tenant}/${envName}`,
        actionId: `act_seed_${Math.floor(seq / 4)}`,
        runId: `run_seed_${Math.floor(seq / 20)}`,
        approvalIds: null,
        breakGlassSessionId: r() % 5000 === 0 ? `bg_seed_${r() % 10}` : null,
        status: pick(STATUSES),
        reason: null,
        durationMs: r() % 2000,
        jti: null,
        data: JSON.stringify({ seeded: true }),
        prevHash: prev.hash,
      };
      const hash = i < CHECKED ? checkedHash(record) : fastHash(record);
      // Stored the way Prisma's SQLite adapter stores DateTime; it reads back as the same instant.
      const c = record;
      insert.run(
        c.seq,
        at.replace("Z", "+00:00"),
        c.requestId,
        c.actorType,
        c.actorId,
        c.type,
        c.tenantId,
        c.env,
        c.route,
        c.tool,
        c.argsHash,
        c.idempotencyKey,
        c.credentialScope,
        c.actionId,
        c.runId,
        c.approvalIds,
        c.breakGlassSessionId,
        c.status,
        c.reason,
        c.durationMs,
        c.jti,
        c.data,
        c.prevHash,
        hash,
      );
      prev = { seq, hash };
    }
    raw.prepare(`UPDATE "AuditHead" SET "seq" = ?, "hash" = ? WHERE "id" = 1`).run(prev.seq, prev.hash);
    return prev.seq;
  });
  const last = seed();
  raw.pragma("optimize");
  raw.close();
  console.log(`seeded ${count} audit events (up to sequence ${last}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
