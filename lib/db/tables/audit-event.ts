import "server-only";
import type { AuditEvent, Row, Sql } from "@/lib/db/types";
import { asDate, asNumber } from "@/lib/db/decode";
import { columnList, rowDecoder, type ColumnKinds } from "@/lib/db/tables/columns";
import { provider } from "@/lib/db/client";

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
} as const satisfies ColumnKinds<AuditEvent>;

/** A raw AuditEvent row (provider-shaped values) as the ORM's AuditEvent. */
export const decodeAuditEvent: (row: Row) => AuditEvent = rowDecoder<AuditEvent>(auditEventColumns);

/** The columns, in schema order: the order of the values auditEventValueBatch returns. */
export const AUDIT_EVENT_COLUMNS = Object.keys(auditEventColumns) as (keyof AuditEvent)[];

const RESERVE = `UPDATE "AuditHead" SET "seq" = "seq" + ? WHERE "id" = 1 RETURNING "seq", "hash"`;
const SET_HEAD = `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`;
const HEAD = `SELECT "seq", "hash" FROM "AuditHead" WHERE "id" = 1`;

/**
 * Reserve `count` sequence numbers on the chain's head row, taking the lock
 * that orders appends (a row lock on Postgres; SQLite has one writer). Returns
 * the last reserved number and the head hash the first new event links to;
 * null when the head row is missing.
 */
export async function reserveAuditSeqs(sql: Sql, count: number): Promise<{ lastSeq: number; hash: string } | null> {
  const top = await sql.get<{ seq: unknown; hash: string }>(RESERVE, [count]);
  return top ? { lastSeq: asNumber(top.seq), hash: top.hash } : null;
}

/** An event as appended: seq as a number (exact up to 2^53; the column is 64-bit). */
export type NewAuditEvent = Omit<AuditEvent, "seq"> & { seq: number };

const ROW_PLACEHOLDERS = `(${AUDIT_EVENT_COLUMNS.map(() => "?").join(", ")})`;
const insertMany = new Map<string, string>();

/** `INSERT … VALUES (…), (…)` for `n` rows, and on PostgreSQL the head update in the same statement. */
function insertAndSetHeadText(n: number, pg: boolean): string {
  const key = `${n}:${pg}`;
  let text = insertMany.get(key);
  if (text === undefined) {
    const insert = `INSERT INTO "AuditEvent" (${columnList(auditEventColumns)}) VALUES ${Array.from({ length: n }, () => ROW_PLACEHOLDERS).join(", ")}`;
    text = pg ? `WITH "appended" AS (${insert}) UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1` : insert;
    insertMany.set(key, text);
  }
  return text;
}

/**
 * Insert the events a reserve made room for and point the head at the last
 * one: on PostgreSQL one statement (a data-modifying CTE), so an append is the
 * reserve, this, and COMMIT; on SQLite (in-process, no CTE for INSERT) the
 * insert and the head update.
 */
export async function insertAuditEventsAndSetHead(sql: Sql, events: readonly NewAuditEvent[], headHash: string): Promise<void> {
  const values = events.flatMap((e) => AUDIT_EVENT_COLUMNS.map((c) => e[c]));
  if (provider() === "postgres") {
    await sql.run(insertAndSetHeadText(events.length, true), [...values, headHash]);
    return;
  }
  await sql.run(insertAndSetHeadText(events.length, false), values);
  await sql.run(SET_HEAD, [headHash]);
}

/** The chain's head: the sequence number and hash the next append builds on. */
export async function readAuditHead(sql: Sql): Promise<{ seq: number; hash: string } | null> {
  const row = await sql.get<{ seq: unknown; hash: string }>(HEAD);
  return row ? { seq: asNumber(row.seq), hash: row.hash } : null;
}

const BATCH = `SELECT ${columnList(auditEventColumns)} FROM "AuditEvent" WHERE "seq" > ? ORDER BY "seq" LIMIT ?`;

const SEQ = AUDIT_EVENT_COLUMNS.indexOf("seq");
const AT = AUDIT_EVENT_COLUMNS.indexOf("at");
const DURATION = AUDIT_EVENT_COLUMNS.indexOf("durationMs");
const ISO_UTC_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

/**
 * Up to `limit` events after `afterSeq`, in sequence order, each as an array
 * of values in AUDIT_EVENT_COLUMNS order and in the hash record's form: seq
 * and durationMs numbers, `at` as ISO-8601 UTC text ("…Z"). Arrays, decoded
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
  }
  return batch;
}
