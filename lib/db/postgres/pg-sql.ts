import "server-only";
import pg from "pg";
import type { Sql, SqlParam } from "@/lib/db/types";

/** What raw SQL (lib/db/sql.ts) runs on: the pool the ORM's adapter uses. */
export type PostgresDriver = { kind: "postgres"; pool: pg.Pool };

/** A pool for DATABASE_URL, shared by the ORM's adapter and raw SQL. */
export function postgresPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
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

/** Raw SQL on a pool (reads of committed data) or on one client inside pgTransaction. */
export class PgSql implements Sql {
  constructor(private readonly client: pg.Pool | pg.PoolClient) {}

  async all<T>(text: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const r = await this.client.query({ text: toPgPlaceholders(text), values: params.map(toPgParam), types: pgTypes } as pg.QueryConfig);
    return r.rows as T[];
  }

  async get<T>(text: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }

  async rows(text: string, params: readonly SqlParam[] = []): Promise<unknown[][]> {
    const r = await this.client.query({ text: toPgPlaceholders(text), values: params.map(toPgParam), types: pgTypes, rowMode: "array" } as pg.QueryConfig);
    return r.rows as unknown[][];
  }

  async run(text: string, params: readonly SqlParam[] = []): Promise<number> {
    const r = await this.client.query({ text: toPgPlaceholders(text), values: params.map(toPgParam), types: pgTypes } as pg.QueryConfig);
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
      throw err;
    }
  } finally {
    client.release(broken);
  }
}
