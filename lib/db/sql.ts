import pg from "pg";
import type { Tx } from "@/lib/db/client";
import { provider, sqlDriver, type SqliteDriver } from "@/lib/db/client";
import { SqliteSql } from "@/lib/db/sqlite-sql";
import { groupCommitter } from "@/lib/db/sqlite-group-commit";

/**
 * Raw SQL for the hot paths. Through the ORM a single-row statement costs about
 * ten times a prepared one (bench H), and the agent API runs a dozen per call,
 * so proposing an action, authenticating an agent and appending audit events
 * speak SQL directly — on the same connection (SQLite) or pool (Postgres) the
 * ORM uses, under the same in-process lock, so transactions stay isolated.
 *
 * SQL is written once with `?` placeholders and double-quoted identifiers;
 * Postgres gets `$1…$n`. Values read back are provider-shaped: use `asDate`,
 * `asNumber` and `asBool` on them.
 */
export type SqlParam = string | number | boolean | Date | null;
export type Row = Record<string, unknown>;

export interface Sql {
  all<T = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T = Row>(text: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Rows as arrays, values in the select list's order (bulk reads: no object per row). */
  rows(text: string, params?: readonly SqlParam[]): Promise<unknown[][]>;
  /** Run a statement; the number of rows it changed. */
  run(text: string, params?: readonly SqlParam[]): Promise<number>;
}

/** Run `fn` in one write transaction: committed if it returns, rolled back if it throws. */
export async function sqlTransaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  const driver = await sqlDriver();
  return driver.kind === "sqlite" ? sqliteTransaction(driver, fn) : pgTransaction(driver.pool, fn);
}

/**
 * Reads outside any transaction, of committed data only. On SQLite they use a
 * second, query-only connection (WAL readers never wait for the writer); a
 * write here fails — use sqlTransaction.
 */
export async function sqlRead<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  const driver = await sqlDriver();
  if (driver.kind === "postgres") return fn(new PgSql(driver.pool));
  return fn(new SqliteSql(driver.reader()));
}

/** The same interface over an ORM transaction, for helpers shared with ORM code (audit, mint, webhooks). */
export function sqlFromTx(tx: Tx): Sql {
  // The ORM converts Dates for its provider itself; only the placeholders differ.
  const pgDialect = provider() === "postgres";
  const text = (t: string) => (pgDialect ? toPgPlaceholders(t) : t);
  const args = (p: readonly SqlParam[]) => p;
  return {
    all: <T>(t: string, p: readonly SqlParam[] = []) => tx.$queryRawUnsafe<T[]>(text(t), ...args(p)),
    get: async <T>(t: string, p: readonly SqlParam[] = []) => (await tx.$queryRawUnsafe<T[]>(text(t), ...args(p)))[0],
    rows: async (t: string, p: readonly SqlParam[] = []) => (await tx.$queryRawUnsafe<Record<string, unknown>[]>(text(t), ...args(p))).map((r) => Object.values(r)),
    run: (t: string, p: readonly SqlParam[] = []) => tx.$executeRawUnsafe(text(t), ...args(p)),
  };
}

/** Accept either an ORM transaction or a raw one. */
export function asSql(exec: Tx | Sql): Sql {
  return isSql(exec) ? exec : sqlFromTx(exec);
}

function isSql(exec: Tx | Sql): exec is Sql {
  return typeof (exec as Sql).run === "function" && typeof (exec as Sql).all === "function";
}

export function asDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") return new Date(v);
  if (typeof v === "bigint") return new Date(Number(v));
  throw new Error(`not a date: ${typeof v}`);
}

export function asNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "string") return Number(v);
  throw new Error(`not a number: ${typeof v}`);
}

export function asBool(v: unknown): boolean {
  return v === true || v === 1 || v === 1n || v === "1" || v === "t" || v === "true";
}

// ---------------------------------------------------------------- SQLite

/**
 * Concurrent write transactions share one COMMIT (group commit): on SQLite the
 * commit — writing every dirtied page to the WAL — was ~0.4–0.6 ms of a ~1 ms
 * proposal, while the statements themselves cost tens of microseconds.
 */
function sqliteTransaction<T>(driver: SqliteDriver, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return groupCommitter(driver).submit(fn);
}

// ---------------------------------------------------------------- Postgres

const pgTexts = new Map<string, string>();

function toPgPlaceholders(text: string): string {
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

class PgSql implements Sql {
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

async function pgTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
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
