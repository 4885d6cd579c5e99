import "server-only";
import type { Sql } from "@/lib/db/types";
import { asDate, asNumber } from "@/lib/db/decode";

/**
 * The heads of the per-instance audit chains (PostgreSQL). A process claims a
 * new chain (the next id, under a transaction-level advisory lock so ids stay
 * gapless) and holds a session advisory lock on it while it lives; a chain
 * whose lock nobody holds belongs to a process that is gone and is closed.
 */
export type AuditChainHead = { id: number; seq: number; hash: string; closedAt: Date | null };

const NEXT_ID = `SELECT coalesce(max("id"), 0) + 1 AS "id" FROM "AuditChain"`;
const CREATE = `INSERT INTO "AuditChain" ("id", "seq", "hash", "owner", "claimedAt", "closedAt") VALUES (?, 0, ?, ?, ?, NULL)`;
const CLOSE = `UPDATE "AuditChain" SET "closedAt" = ? WHERE "id" = ? AND "closedAt" IS NULL`;
const OPEN_OTHERS = `SELECT "id" FROM "AuditChain" WHERE "closedAt" IS NULL AND NOT ("id" = ANY(?::int[])) ORDER BY "id"`;
const COUNT = `SELECT count(*) AS "n" FROM "AuditChain" WHERE "id" = ANY(?::int[])`;
const HEADS = `SELECT "id", "seq", "hash", "closedAt" FROM "AuditChain" ORDER BY "id"`;

/** Insert chain `id + 1` after the current last (the caller holds the allocation lock); its id. */
export async function createAuditChain(sql: Sql, owner: string, genesis: string, now: Date): Promise<number> {
  const id = asNumber((await sql.get<{ id: unknown }>(NEXT_ID))!.id);
  await sql.run(CREATE, [id, genesis, owner, now]);
  return id;
}

/** Close a chain: no append reserves on it again. True when it was open. */
export async function closeAuditChain(sql: Sql, id: number, now: Date): Promise<boolean> {
  return (await sql.run(CLOSE, [now, id])) > 0;
}

export async function openAuditChainsOtherThan(sql: Sql, ids: readonly number[]): Promise<number[]> {
  return (await sql.all<{ id: unknown }>(OPEN_OTHERS, [intArray(ids)])).map((r) => asNumber(r.id));
}

/** An int[] parameter as PostgreSQL array text (raw SQL's parameters are scalars). */
export function intArray(ids: readonly number[]): string {
  return `{${ids.map((n) => Math.trunc(n)).join(",")}}`;
}

/** How many of `ids` have a head row (open or closed). */
export async function countAuditChains(sql: Sql, ids: readonly number[]): Promise<number> {
  return asNumber((await sql.get<{ n: unknown }>(COUNT, [intArray(ids)]))!.n);
}

/** Every chain head, by id. */
export async function listAuditChainHeads(sql: Sql): Promise<AuditChainHead[]> {
  return (await sql.all<{ id: unknown; seq: unknown; hash: string; closedAt: unknown }>(HEADS)).map((r) => ({
    id: asNumber(r.id),
    seq: asNumber(r.seq),
    hash: r.hash,
    closedAt: asDate(r.closedAt),
  }));
}
