import "server-only";
import type { AuditEvent, Row, Sql } from "@/lib/db/types";
import { asSql, commitScope, type DeferredWrite } from "@/lib/db/sql";
import { PgSql } from "@/lib/db/postgres/pg-sql";
import type { Exec, SqlParam } from "@/lib/db/types";
import { claimedAuditChains } from "@/lib/db/postgres/audit-chain-claim";
import { env } from "@/lib/env";
import { asDate, asNumber } from "@/lib/db/decode";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { provider } from "@/lib/db/client";
import { intArray } from "@/lib/db/tables/audit-chain";

/** Every AuditEvent column and its kind; a schema column missing here fails typecheck. */
export const auditEventColumns = {
  seq: "bigint",
  at: "date",
  requestId: "string?",
  actorType: "string",
  actorId: "string?",
  type: "string",
  tenantId: "string?",
  env: "string?",
  route: "string?",
  tool: "string?",
  argsHash: "string?",
  idempotencyKey: "string?",
  credentialScope: "string?",
  actionId: "string?",
  runId: "string?",
  approvalIds: "string?",
  breakGlassSessionId: "string?",
  status: "string?",
  reason: "string?",
  durationMs: "int?",
  jti: "string?",
  data: "string",
  prevHash: "string",
  hash: "string",
  chain: "int",
  chainSeq: "bigint?",
} as const satisfies ColumnKinds<AuditEvent>;

/** A raw AuditEvent row (provider-shaped values) as the ORM's AuditEvent. */
export const decodeAuditEvent: (row: Row) => AuditEvent = rowDecoder<AuditEvent>(auditEventColumns);

/** The columns, in schema order: the order of the values auditEventValueBatch returns. */
export const AUDIT_EVENT_COLUMNS = Object.keys(auditEventColumns) as (keyof AuditEvent)[];

const RESERVE = `UPDATE "AuditHead" SET "seq" = "seq" + ? WHERE "id" = 1 RETURNING "seq", "hash"`;
const SET_HEAD = `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`;
const HEAD = `SELECT "seq", "hash" FROM "AuditHead" WHERE "id" = 1`;
/**
 * An instance's chain (PostgreSQL): the head row lock orders only this
 * chain's appends, and the events' global numbers are drawn under it, so
 * within a chain they rise with the position.
 */
const RESERVE_CHAIN = `UPDATE "AuditChain" SET "seq" = "seq" + ? WHERE "id" = ? AND "closedAt" IS NULL
  RETURNING "seq", "hash", (SELECT array_agg(nextval('"AuditEvent_global_seq"')) FROM generate_series(1, ?::int)) AS "globals"`;

/** The first of `chains` that no other transaction holds, locked and advanced (SKIP LOCKED: never waits). */
const RESERVE_FREE_CHAIN = `WITH "free" AS (
    SELECT "id" FROM "AuditChain" WHERE "id" = ANY(?::int[]) AND "closedAt" IS NULL ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED
  )
  UPDATE "AuditChain" AS "c" SET "seq" = "c"."seq" + ? FROM "free" WHERE "c"."id" = "free"."id"
  RETURNING "c"."id", "c"."seq", "c"."hash", (SELECT array_agg(nextval('"AuditEvent_global_seq"')) FROM generate_series(1, ?::int)) AS "globals"`;

/**
 * Reserve `count` sequence numbers on chain 0's head row, taking the lock
 * that orders its appends (SQLite has one writer). Returns the last reserved
 * number and the head hash the first new event links to; null when the head
 * row is missing.
 */
export async function reserveAuditSeqs(sql: Sql, count: number): Promise<{ lastSeq: number; hash: string } | null> {
  const top = await sql.get<{ seq: unknown; hash: string }>(RESERVE, [count]);
  return top ? { lastSeq: asNumber(top.seq), hash: top.hash } : null;
}

/**
 * Reserve `count` positions on an open chain ≥ 1 (its head row lock, held to
 * COMMIT) and `count` global sequence numbers, ascending. Null when the chain
 * is closed or missing.
 */
export async function reserveChainSeqs(sql: Sql, chain: number, count: number): Promise<{ lastPos: number; hash: string; seqs: number[] } | null> {
  const top = await sql.get<{ seq: unknown; hash: string; globals: unknown[] | string }>(RESERVE_CHAIN, [count, chain, count]);
  if (!top) return null;
  return { lastPos: asNumber(top.seq), hash: top.hash, seqs: globalNumbers(top.globals) };
}

/**
 * Reserve on whichever of `chains` (this instance's, open) no other transaction holds: positions on
 * it and global numbers, as reserveChainSeqs. Null when every one is held (or closed).
 */
export async function reserveFreeChainSeqs(sql: Sql, chains: readonly number[], count: number): Promise<{ chain: number; lastPos: number; hash: string; seqs: number[] } | null> {
  const top = await sql.get<{ id: unknown; seq: unknown; hash: string; globals: unknown[] | string }>(RESERVE_FREE_CHAIN, [intArray(chains), count, count]);
  if (!top) return null;
  return { chain: asNumber(top.id), lastPos: asNumber(top.seq), hash: top.hash, seqs: globalNumbers(top.globals) };
}

/**
 * One of this instance's chains, locked (not advanced) by a statement the transaction ran anyway, for
 * its append at commit: the head it builds on and global numbers drawn for it. The append then needs
 * no reserve statement of its own (lib/audit/append.ts); numbers it leaves unused are gaps in the
 * global sequence, as a rolled-back transaction's are.
 */
export type ChainPrelock = { chain: number; pos: number; hash: string; seqs: number[] };

const PRELOCK = Symbol.for("gatehouse.audit.chainPrelock");

const withChainLockTexts = new Map<string, string>();

/**
 * Run `text` (an UPDATE whose row count the caller needs) and return its row count. On PostgreSQL,
 * in a raw atCommit transaction whose append is all that follows, the same statement also locks the
 * first of this instance's open chains no other transaction holds (FOR UPDATE SKIP LOCKED) and draws
 * global numbers under that lock, kept for the append: the chain is then held from this statement,
 * the transaction's last before its append, to COMMIT. When every chain is held, or anywhere else,
 * it runs alone and the append reserves as usual. `events`: how many the append will write, so as
 * many global numbers are drawn (an append of more reserves as usual; numbers left unused are gaps).
 */
export async function runWithChainPrelock(exec: Exec, text: string, params: readonly SqlParam[], events: number): Promise<number> {
  const scope = commitScope(exec);
  const sql = asSql(exec);
  if (!scope || sql !== exec || provider() !== "postgres" || env().benchAuditNoChainHead || scope.slot<{ v?: ChainPrelock }>(PRELOCK, () => ({})).v) return sql.run(text, params);
  let combined = withChainLockTexts.get(text);
  if (combined === undefined) {
    combined = `WITH "w" AS (${text} RETURNING 1),
  "free" AS (SELECT "id", "seq", "hash" FROM "AuditChain" WHERE "id" = ANY(?::int[]) AND "closedAt" IS NULL ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED)
  SELECT (SELECT count(*) FROM "w") AS "n", f."id", f."seq", f."hash",
    CASE WHEN f."id" IS NULL THEN NULL ELSE (SELECT array_agg(nextval('"AuditEvent_global_seq"')) FROM generate_series(1, ?::int)) END AS "globals"
  FROM (SELECT 1) AS "one" LEFT JOIN "free" f ON true`;
    withChainLockTexts.set(text, combined);
  }
  const chains = await claimedAuditChains(env().databaseUrl);
  const row = await sql.get<{ n: unknown; id: unknown; seq: unknown; hash: string | null; globals: unknown[] | string | null }>(combined, [...params, intArray(chains), events]);
  if (row && row.id !== null && row.id !== undefined && row.globals !== null) {
    scope.slot<{ v?: ChainPrelock }>(PRELOCK, () => ({})).v = { chain: asNumber(row.id), pos: asNumber(row.seq), hash: row.hash!, seqs: globalNumbers(row.globals) };
  }
  return row ? asNumber(row.n) : 0;
}

/** The chain this transaction pre-locked (runWithChainPrelock), if any, removed from it: the caller appends on it. */
export function takeChainPrelock(exec: Exec): ChainPrelock | null {
  const scope = commitScope(exec);
  if (!scope) return null;
  const slot = scope.slot<{ v?: ChainPrelock }>(PRELOCK, () => ({}));
  const v = slot.v ?? null;
  delete slot.v;
  return v;
}

function globalNumbers(globals: unknown[] | string): number[] {
  const list = typeof globals === "string" ? globals.replace(/[{}]/g, "").split(",") : globals;
  return list.map(asNumber).sort((a, b) => a - b);
}

/** An event as appended: seq (and a chain's position) as numbers (exact up to 2^53; the columns are 64-bit). */
export type NewAuditEvent = Omit<AuditEvent, "seq" | "chainSeq"> & { seq: number; chainSeq: number | null };

const insertMany = new Map<string, string>();

/**
 * The transaction's deferred writes (lib/db/sql.ts, runDeferrable) as the first CTEs of a PostgreSQL
 * statement; one whose row count is checked returns a row per row written.
 */
function deferredCtes(before: readonly DeferredWrite[]): string {
  return before.map((w, i) => `"w${i}" AS (${w.text}${w.expect ? " RETURNING 1" : ""}), `).join("");
}

/** SQL that holds when every checked deferred write wrote the rows it must ("" when none is checked). */
function deferredGuard(before: readonly DeferredWrite[]): string {
  return before.flatMap((w, i) => (w.expect ? [`(SELECT count(*) FROM "w${i}") = ${Math.trunc(w.expect.rows)}`] : [])).join(" AND ");
}

/**
 * The rows' VALUES. With a guard, the first event's hash is NULL unless it holds: the NOT NULL
 * column then fails the statement itself, so a checked write's refusal needs no look at the result
 * before COMMIT (and the statement can travel with its COMMIT, PgSql.holdForCommit).
 */
function valuesText(n: number, guard: string, seq: "?" | "nextval"): string {
  const row = (first: boolean) =>
    `(${AUDIT_EVENT_COLUMNS.map((c) => (c === "seq" && seq === "nextval" ? `nextval('"AuditEvent_global_seq"')` : c === "hash" && first && guard ? `CASE WHEN ${guard} THEN ? END` : "?")).join(", ")})`;
  return Array.from({ length: n }, (_, i) => row(i === 0)).join(", ");
}

/** A statement failed by its guard (above): the refusal of the checked write (every one today is a mint's canary check, one per transaction). */
function deferredRefusal(before: readonly DeferredWrite[], err: unknown): unknown {
  const e = err as { code?: unknown; table?: unknown; column?: unknown } | null;
  const checked = before.find((w) => w.expect);
  if (checked && e?.code === "23502" && e.table === "AuditEvent" && e.column === "hash") return checked.expect!.refusal();
  return err;
}

/** Run the append's statement, or hold it for the transaction's COMMIT (`commitWith`: how its error is then reported). */
async function sendAppend(sql: Sql, text: string, params: readonly SqlParam[], before: readonly DeferredWrite[], commitWith?: (err: unknown) => unknown): Promise<void> {
  if (commitWith && sql instanceof PgSql) return sql.holdForCommit(text, params, (err) => commitWith(deferredRefusal(before, err)));
  try {
    await sql.run(text, params);
  } catch (err) {
    throw deferredRefusal(before, err);
  }
}

/** `INSERT … VALUES (…), (…)` for `n` rows, and on PostgreSQL the deferred writes and the head update in the same statement. */
function insertAndSetHeadText(n: number, pg: boolean, chained: boolean, before: readonly DeferredWrite[] = [], setPos = false): string {
  const key = `${n}:${pg}:${chained}:${setPos}:${before.map((w) => (w.expect ? `?${w.expect.rows}:${w.text}` : w.text)).join("\u0000")}`;
  let text = insertMany.get(key);
  if (text === undefined) {
    const insert = `INSERT INTO "AuditEvent" (${columnList(auditEventColumns)}) VALUES ${valuesText(n, pg ? deferredGuard(before) : "", "?")}`;
    const head = chained ? `UPDATE "AuditChain" SET "hash" = ?${setPos ? `, "seq" = ?` : ""} WHERE "id" = ?` : `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`;
    text = pg ? `WITH ${deferredCtes(before)}"appended" AS (${insert}) ${head}` : insert;
    insertMany.set(key, text);
  }
  return text;
}

/**
 * Insert the events a reserve made room for and point their chain's head at
 * the last one: on PostgreSQL one statement (a data-modifying CTE), so an
 * append is the reserve, this, and COMMIT; on SQLite (in-process, no CTE for
 * INSERT) the insert and the head update. `commitWith` (PostgreSQL, a raw
 * transaction's append at commit): the statement is sent with the COMMIT, its
 * error mapped by it.
 */
export async function insertAuditEventsAndSetHead(
  sql: Sql,
  events: readonly NewAuditEvent[],
  headHash: string,
  before: readonly DeferredWrite[] = [],
  /** The chain's new position, for a chain that was locked but not advanced (ChainPrelock). */
  headPos?: number,
  commitWith?: (err: unknown) => unknown,
): Promise<void> {
  const values = events.flatMap((e) => AUDIT_EVENT_COLUMNS.map((c) => e[c]));
  const chain = events[0]!.chain;
  if (provider() === "postgres") {
    const first = before.flatMap((w) => w.params);
    const setPos = chain !== 0 && headPos !== undefined;
    const text = insertAndSetHeadText(events.length, true, chain !== 0, before, setPos);
    const params = chain ? [...first, ...values, headHash, ...(setPos ? [headPos] : []), chain] : [...first, ...values, headHash];
    return sendAppend(sql, text, params, before, commitWith);
  }
  if (before.length > 0) throw new Error("deferred writes are PostgreSQL's");
  if (chain !== 0) throw new Error("per-instance audit chains are PostgreSQL's");
  await sql.run(insertAndSetHeadText(events.length, false, false), values);
  await sql.run(SET_HEAD, [headHash]);
}

const unchainedTexts = new Map<string, string>();

/**
 * BENCHMARK ONLY (GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD, refused by lib/env outside a benchmark): insert
 * the events with global numbers from the sequence and no chain head at all, in one statement. This
 * is the upper bound bench/p9-postgres.ts measures the chained append against; the rows link to nothing.
 * With `commitWith` it is held for the COMMIT like the chained append and returns no numbers.
 */
export async function insertAuditEventsUnchained(
  sql: Sql,
  events: readonly NewAuditEvent[],
  before: readonly DeferredWrite[] = [],
  commitWith?: (err: unknown) => unknown,
): Promise<number[]> {
  const key = `${events.length}:${before.map((w) => (w.expect ? `?${w.expect.rows}:${w.text}` : w.text)).join("\u0000")}`;
  let text = unchainedTexts.get(key);
  if (text === undefined) {
    const insert = `INSERT INTO "AuditEvent" (${columnList(auditEventColumns)}) VALUES ${valuesText(events.length, deferredGuard(before), "nextval")} RETURNING "seq"`;
    text = before.length ? `WITH ${deferredCtes(before)}"appended" AS (${insert}) SELECT "seq" FROM "appended"` : insert;
    unchainedTexts.set(key, text);
  }
  const values = events.flatMap((e) => AUDIT_EVENT_COLUMNS.filter((c) => c !== "seq").map((c) => e[c]));
  const params = [...before.flatMap((w) => w.params), ...values];
  if (commitWith) {
    await sendAppend(sql, text, params, before, commitWith);
    return [];
  }
  try {
    return (await sql.all<{ seq: unknown }>(text, params)).map((r) => asNumber(r.seq));
  } catch (err) {
    throw deferredRefusal(before, err);
  }
}

/** Chain 0's head: the sequence number and hash its next append builds on. */
export async function readAuditHead(sql: Sql): Promise<{ seq: number; hash: string } | null> {
  const row = await sql.get<{ seq: unknown; hash: string }>(HEAD);
  return row ? { seq: asNumber(row.seq), hash: row.hash } : null;
}

const BATCH = `SELECT ${columnList(auditEventColumns)} FROM "AuditEvent" WHERE "seq" > ? ORDER BY "seq" LIMIT ?`;

const SEQ = AUDIT_EVENT_COLUMNS.indexOf("seq");
const AT = AUDIT_EVENT_COLUMNS.indexOf("at");
const DURATION = AUDIT_EVENT_COLUMNS.indexOf("durationMs");
const CHAIN = AUDIT_EVENT_COLUMNS.indexOf("chain");
const CHAIN_SEQ = AUDIT_EVENT_COLUMNS.indexOf("chainSeq");
const ISO_UTC_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

/**
 * Up to `limit` events after `afterSeq`, in sequence order, each as an array
 * of values in AUDIT_EVENT_COLUMNS order and in the hash record's form: seq,
 * durationMs, chain and chainSeq numbers, `at` as ISO-8601 UTC text ("…Z"). Arrays, decoded
 * in place: at a million rows an object per row, or a copy, was most of the
 * verifier's time (bench P6).
 */
export async function auditEventValueBatch(sql: Sql, afterSeq: number, limit: number): Promise<unknown[][]> {
  const batch = await sql.rows(BATCH, [afterSeq, limit]);
  for (const v of batch) {
    v[SEQ] = asNumber(v[SEQ]);
    const at = v[AT];
    // SQLite holds the ORM's "…T…+00:00" text: the same instant as toISOString's "…Z" form.
    v[AT] = typeof at === "string" && ISO_UTC_OFFSET.test(at) ? `${at.slice(0, -6)}Z` : asDate(at)!.toISOString();
    if (v[DURATION] !== null && v[DURATION] !== undefined) v[DURATION] = asNumber(v[DURATION]);
    v[CHAIN] = asNumber(v[CHAIN]);
    if (v[CHAIN_SEQ] !== null && v[CHAIN_SEQ] !== undefined) v[CHAIN_SEQ] = asNumber(v[CHAIN_SEQ]);
  }
  return batch;
}
