import "server-only";
import crypto from "node:crypto";
import pg from "pg";
import type { Sql, SqlParam } from "@/lib/db/types";

/**
 * What raw SQL (lib/db/sql.ts) runs on: the write pool the ORM's adapter uses,
 * and a small pool of its own for reads of committed data (agent auth, polls,
 * long-poll re-reads, chain verification), so a woken waiter never queues
 * behind writers for a connection.
 */
export type PostgresDriver = { kind: "postgres"; pool: pg.Pool; readPool: pg.Pool; wakePool: pg.Pool };

/**
 * Connections per instance: the write pool (ORM and raw transactions) and the read pool (agent auth,
 * polls, verification: every request uses it) are sized by GATEHOUSE_PG_POOL_MAX and
 * GATEHOUSE_PG_READ_POOL_MAX (lib/env: 10 and 4; a deployment sizes the total and divides it by its
 * instances, docs/postgres-operations.md); the wake pool — the re-read of a long-poll that was just
 * woken, so it never queues behind the read pool's traffic under load — is fixed.
 */
export const WAKE_POOL_MAX = 2;

/** A pool for DATABASE_URL of at most `max` connections: the write pool shared by the ORM's adapter and raw SQL, the read pool or the wake pool. */
export function postgresPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection the server drops (restart, failover, a terminated backend) must not take the
  // process down: the pool discards it and the next query opens a new one.
  pool.on("error", (err) => console.error("database: idle connection lost:", err.message));
  return pool;
}

const pgTexts = new Map<string, string>();

/** `?` placeholders as `$1…$n` (cached per text). */
export function toPgPlaceholders(text: string): string {
  let out = pgTexts.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    pgTexts.set(text, out);
  }
  return out;
}

/**
 * Timestamps are `timestamp(3) without time zone` holding UTC; node-postgres
 * would write a Date in the process's local zone and read one back as local.
 */
function toPgParam(v: SqlParam): SqlParam {
  return v instanceof Date ? v.toISOString().replace("Z", "") : v;
}

const TIMESTAMP_OID = 1114;
const INT8_OID = 20;

const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TIMESTAMP_OID) return (s: string) => new Date(`${s.replace(" ", "T")}Z`);
    if (oid === INT8_OID) return (s: string) => Number(s);
    return (pg.types.getTypeParser as (o: number, f?: string) => (s: string) => unknown)(oid, format);
  },
};

/**
 * A row that came as text (the wake worker reads with every type left as text, lib/events/pg-notify.ts)
 * decoded with exactly the parsers every other raw read uses: `fields` are [column name, type oid].
 */
export function rowFromText(fields: readonly (readonly [string, number])[], values: readonly (string | null)[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  fields.forEach(([name, oid], i) => {
    const v = values[i] ?? null;
    row[name] = v === null ? null : pgTypes.getTypeParser(oid, "text")(v);
  });
  return row;
}

const statementNames = new Map<string, string>();

/**
 * Each distinct statement text gets a name, so node-postgres prepares it once
 * per connection (Parse, then Bind/Execute only) instead of having the server
 * parse and plan it on every call. The texts are the fixed ones in
 * lib/db/tables (an IN list has one text per length), so the set stays small.
 * The name is a hash of the text, the same in every copy of this module.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    // Derived from the text, not a counter: Next.js bundles this module more than once into one
    // process, and every copy shares the pool — a counter's "g5" would name two statements there.
    name = `g${crypto.createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

function config(text: string, params: readonly SqlParam[], rowMode?: "array"): pg.QueryConfig {
  const pgText = toPgPlaceholders(text);
  return { name: statementName(pgText), text: pgText, values: params.map(toPgParam), types: pgTypes, ...(rowMode ? { rowMode } : {}) } as pg.QueryConfig;
}

/**
 * A prepared statement whose result columns changed type under it (a migration, or the online
 * widening of AuditEvent.seq) fails with "cached plan must not change result type" on that
 * connection until it is dropped; one that vanished fails with "does not exist".
 */
export function isStalePreparedStatement(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return (code === "0A000" && /cached plan/.test((err as Error).message)) || code === "26000";
}

/** Raw SQL on a pool (reads of committed data) or on one client inside pgTransaction; named (prepared) statements. */
export class PgSql implements Sql {
  constructor(private readonly client: pg.Pool | pg.PoolClient) {}

  /** On the pool a failed query's connection is discarded, so a read that met a stale plan is retried once on a fresh one. */
  private async query(c: pg.QueryConfig): Promise<pg.QueryResult> {
    try {
      return await this.client.query(c);
    } catch (err) {
      if (this.client instanceof pg.Pool && isStalePreparedStatement(err)) return this.client.query(c);
      throw err;
    }
  }

  async all<T>(text: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const r = await this.query(config(text, params));
    return r.rows as T[];
  }

  async get<T>(text: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }

  async rows(text: string, params: readonly SqlParam[] = []): Promise<unknown[][]> {
    const r = await this.query(config(text, params, "array"));
    return r.rows as unknown[][];
  }

  async run(text: string, params: readonly SqlParam[] = []): Promise<number> {
    const r = await this.query(config(text, params));
    return r.rowCount ?? 0;
  }
}

/** Run `fn` in one transaction on one pooled client: committed if it returns, rolled back if it throws. */
export async function pgTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    try {
      const result = await fn(new PgSql(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      // Its prepared statements are stale: a fresh connection prepares them again.
      if (isStalePreparedStatement(err)) broken = true;
      throw err;
    }
  } finally {
    client.release(broken);
  }
}
