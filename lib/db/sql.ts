import "server-only";
import type { Exec, Sql, SqlParam, Tx } from "@/lib/db/types";
import { provider, sqlDriver } from "@/lib/db/client";
import { sqliteRead, sqliteTransaction } from "@/lib/db/sqlite/sqlite-driver";
import { PgSql, pgTransaction, toPgPlaceholders } from "@/lib/db/postgres/pg-sql";

/**
 * Raw SQL for the hot paths. Through the ORM a single-row statement costs about
 * ten times a prepared one (bench H), and the agent API runs a dozen per call,
 * so proposing an action, authenticating an agent and appending audit events
 * speak SQL directly — on the same connection (SQLite) or pool (Postgres) the
 * ORM uses, under the same in-process lock, so transactions stay isolated.
 * The statements themselves live in lib/db/tables/, one module per table.
 */

/** Run `fn` in one write transaction: committed if it returns, rolled back if it throws. */
export async function sqlTransaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  const driver = await sqlDriver();
  return driver.kind === "sqlite" ? sqliteTransaction(driver, fn) : pgTransaction(driver.pool, fn);
}

/** Work a transaction does last, just before COMMIT (the audit append: lib/audit/append.ts). */
export type BeforeCommit = (exec: Exec) => Promise<void>;

/** One atCommit transaction's deferred work, and per-transaction state for whoever defers it. */
export type CommitScope = {
  defer(hook: BeforeCommit): void;
  /** The value under `key` for this transaction, made by `init` on first use. */
  slot<T>(key: symbol, init: () => T): T;
};

// On globalThis: Next.js may bundle this module more than once into a process, and a transaction
// opened through one copy must find its scope from another.
const g = globalThis as unknown as { gatehouseCommitScopes?: WeakMap<object, CommitScope> };
const scopes = (g.gatehouseCommitScopes ??= new WeakMap<object, CommitScope>());

/**
 * A transaction body whose deferred work (commitScope) runs after it, as the
 * transaction's last statements: `sqlTransaction(atCommit(fn))` or
 * `db().$transaction(atCommit(fn))`. What appendAudit defers: every append of
 * the transaction is then one, and the chain head is held from its reserve to
 * COMMIT only. The scope ends with the body, whether it returns or throws, so
 * nothing deferred outlives its transaction (SQLite's transactions share one
 * connection object).
 */
export function atCommit<E extends Exec, T>(fn: (exec: E) => Promise<T>): (exec: E) => Promise<T> {
  return async (exec) => {
    const hooks: BeforeCommit[] = [];
    const slots = new Map<symbol, unknown>();
    const scope: CommitScope = {
      defer: (hook) => void hooks.push(hook),
      slot: <V>(key: symbol, init: () => V): V => {
        if (!slots.has(key)) slots.set(key, init());
        return slots.get(key) as V;
      },
    };
    scopes.set(exec, scope);
    try {
      const result = await fn(exec);
      for (let i = 0; i < hooks.length; i++) await hooks[i]!(exec);
      // Deferred writes no hook took into its own statement (a transaction without an audit append).
      for (const w of takeDeferredWrites(exec)) checkDeferredRows(w, await asSql(exec).run(w.text, w.params));
      return result;
    } finally {
      if (scopes.get(exec) === scope) scopes.delete(exec);
    }
  };
}

/**
 * A write statement whose result nobody in the transaction reads — except, with `expect`, its row
 * count: a conditional write (`INSERT … SELECT … WHERE NOT EXISTS …`) that must write exactly
 * `rows` rows, or the transaction fails with `refusal()` (thrown before COMMIT, so it rolls back).
 */
export type DeferredWrite = { text: string; params: readonly SqlParam[]; expect?: DeferredExpect };
export type DeferredExpect = { rows: number; refusal: () => Error };

/** Throw the write's refusal when it wrote other than the rows it expected. */
export function checkDeferredRows(w: DeferredWrite, rows: number): void {
  if (w.expect && rows !== w.expect.rows) throw w.expect.refusal();
}

const DEFERRED = Symbol.for("gatehouse.sql.deferredWrites");

/**
 * Run a write whose result nobody reads — an INSERT of a row that nothing later in the
 * transaction queries. In a raw atCommit transaction on PostgreSQL it is deferred and sent as part
 * of the transaction's last statement (the audit append, lib/audit/append.ts, takes it as a CTE:
 * one round trip fewer per write); its errors (a unique violation) surface there, before COMMIT,
 * and roll the transaction back as they would have here. Anywhere else it runs at once.
 */
export async function runDeferrable(exec: Exec, text: string, params: readonly SqlParam[], expect?: DeferredExpect): Promise<void> {
  const scope = commitScope(exec);
  const w: DeferredWrite = expect ? { text, params, expect } : { text, params };
  if (!scope || !isSql(exec) || provider() !== "postgres") {
    checkDeferredRows(w, await asSql(exec).run(text, params));
    return;
  }
  scope.slot<DeferredWrite[]>(DEFERRED, () => []).push(w);
}

/** The deferred writes of `exec`'s atCommit transaction, removed from it: the caller sends them (in its statement). */
export function takeDeferredWrites(exec: Exec): DeferredWrite[] {
  const scope = commitScope(exec);
  if (!scope) return [];
  const list = scope.slot<DeferredWrite[]>(DEFERRED, () => []);
  return list.splice(0, list.length);
}

/** The atCommit scope of the transaction `exec` belongs to; null outside one (do the work at once). */
export function commitScope(exec: Exec): CommitScope | null {
  return scopes.get(exec) ?? null;
}

/**
 * Reads outside any transaction, of committed data only. On SQLite they use a
 * second, query-only connection (WAL readers never wait for the writer); on
 * PostgreSQL the read pool (never waiting behind writers for a connection). A
 * write here fails on SQLite and must not be attempted — use sqlTransaction.
 */
export async function sqlRead<T>(fn: (sql: Sql) => Promise<T>, opts: { woken?: boolean } = {}): Promise<T> {
  const driver = await sqlDriver();
  // A woken long-poll's re-read (`woken`) has a pool of its own on PostgreSQL: under load the read
  // pool has a queue (every request authenticates on it), and a wake-up must not wait in it.
  if (driver.kind === "postgres") return fn(new PgSql(opts.woken ? driver.wakePool : driver.readPool));
  return sqliteRead(driver, fn);
}

/**
 * A read whose parameters are known before the transaction's next statement: in a raw PostgreSQL
 * transaction it is sent with that statement, one round trip fewer (PgSql.readAhead); anywhere else
 * it runs when the returned function is called. Its answer is the database's at that next statement.
 */
export function readAhead<T>(exec: Exec, text: string, params: readonly SqlParam[] = []): () => Promise<T[]> {
  if (exec instanceof PgSql) return exec.readAhead<T>(text, params);
  return () => asSql(exec).all<T>(text, params);
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
export function asSql(exec: Exec): Sql {
  return isSql(exec) ? exec : sqlFromTx(exec);
}

function isSql(exec: Exec): exec is Sql {
  return typeof (exec as Sql).run === "function" && typeof (exec as Sql).all === "function";
}
