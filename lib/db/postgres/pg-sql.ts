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

/** What a pipeline needs of node-postgres's connection beyond its typings (its prepared-statement bookkeeping). */
type PipelineConnection = pg.Connection & {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: pg.Connection["stream"] & { cork?: () => void; uncork?: () => void };
};

type Step = { name: string; text: string; values: unknown[]; rowMode?: "array" };

const prepareValue = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils.prepareValue;

/**
 * Named statements sent in ONE round trip: Parse (first use on this connection), Bind, Describe,
 * Execute for each, then a single Sync. The server runs them in order; at the first error it skips
 * everything up to the Sync, so a statement after a failed one never runs (`failedAt` says which
 * failed). node-postgres sends a Sync after every statement and waits for its answer; this is its
 * Submittable protocol, driven by the client like any query.
 */
class Pipeline implements pg.Submittable {
  readonly results: pg.Result[];
  /** Index of the statement that failed (the ones before it ran). */
  failedAt = -1;
  readonly done: Promise<pg.Result[]>;
  private current = 0;
  private settled = false;
  private rowError: unknown = null;
  private parsing: Step[] = [];
  private connection: PipelineConnection | null = null;
  private resolve!: (r: pg.Result[]) => void;
  private reject!: (e: unknown) => void;

  constructor(private readonly steps: readonly Step[]) {
    this.results = steps.map((s) => new pg.Result(s.rowMode ?? (undefined as unknown as string), pgTypes as unknown as typeof pg.types));
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const con = connection as PipelineConnection;
    this.connection = con;
    con.on("parseComplete", this.parsed);
    con.stream.cork?.();
    try {
      for (const s of this.steps) {
        if (con.parsedStatements[s.name] === undefined && con.submittedNamedStatements[s.name] === undefined) {
          con.parse({ name: s.name, text: s.text, types: [] }, false);
          con.submittedNamedStatements[s.name] = s.text;
          this.parsing.push(s);
        }
        con.bind({ portal: "", statement: s.name, values: s.values, binary: false, valueMapper: prepareValue } as unknown as pg.BindConfig, false);
        con.describe({ type: "P", name: "" }, false);
        con.execute({ portal: "" }, false);
      }
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
  }

  /** A Parse of ours completed: the statement is prepared on this connection from now on. */
  private readonly parsed = (): void => {
    const s = this.parsing.shift();
    if (!s || !this.connection) return;
    this.connection.parsedStatements[s.name] = s.text;
    delete this.connection.submittedNamedStatements[s.name];
  };

  handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
    (this.results[this.current] as unknown as { addFields(f: pg.FieldDef[]): void }).addFields(msg.fields);
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    if (this.rowError) return;
    const r = this.results[this.current] as unknown as { parseRow(f: unknown[]): unknown; addRow(row: unknown): void };
    try {
      r.addRow(r.parseRow(msg.fields));
    } catch (err) {
      this.rowError = err;
    }
  }

  handleCommandComplete(msg: unknown): void {
    (this.results[this.current] as unknown as { addCommandComplete(m: unknown): void }).addCommandComplete(msg);
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as { sendCopyFail(m: string): void }).sendCopyFail("No COPY in a pipeline");
  }

  handleCopyData(): void {}

  handleError(err: unknown): void {
    this.failedAt = this.current;
    this.finish();
    this.reject(err);
  }

  handleReadyForQuery(): void {
    this.finish();
    if (this.rowError) this.reject(this.rowError);
    else this.resolve(this.results);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    const con = this.connection;
    if (!con) return;
    con.removeListener("parseComplete", this.parsed);
    // Parses skipped after an error never happened: they are sent again next time.
    for (const s of this.parsing) delete con.submittedNamedStatements[s.name];
    this.parsing = [];
  }
}

const BEGIN: Step = { name: statementName("BEGIN"), text: "BEGIN", values: [] };
const COMMIT: Step = { name: statementName("COMMIT"), text: "COMMIT", values: [] };

function step(c: pg.QueryConfig): Step {
  const s = c as pg.QueryConfig & { rowMode?: "array" };
  return { name: s.name!, text: s.text, values: (s.values ?? []) as unknown[], ...(s.rowMode ? { rowMode: s.rowMode } : {}) };
}

/**
 * A statement that waits for the transaction's next round trip: a write held for commit (its result
 * unread, its error mapped by `fail`) or a read sent ahead (its rows delivered to whoever awaits them).
 */
type Pending = { step: Step; fail: (err: unknown) => unknown; deliver?: (r: pg.Result | null, err?: unknown) => void };

/**
 * A raw transaction's round trips (pgTransaction): BEGIN is sent with the transaction's first
 * statement, and the pending statements (PgSql.holdForCommit, PgSql.readAhead) with whatever comes
 * next — the next statement, or COMMIT.
 */
type TxState = {
  begun: boolean;
  pending: Pending[];
  ended: boolean;
  /** A statement of it failed on a prepared statement gone stale: the connection is discarded. */
  stale: boolean;
};

/** Raw SQL on a pool (reads of committed data) or on one client inside pgTransaction; named (prepared) statements. */
export class PgSql implements Sql {
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly tx: TxState | null = null,
  ) {}

  /** On the pool a failed query's connection is discarded, so a read that met a stale plan is retried once on a fresh one. */
  private async query(c: pg.QueryConfig): Promise<pg.QueryResult> {
    if (this.tx) return this.txQuery(c);
    try {
      return await this.client.query(c);
    } catch (err) {
      if (this.client instanceof pg.Pool && isStalePreparedStatement(err)) return this.client.query(c);
      throw err;
    }
  }

  private async txQuery(c: pg.QueryConfig): Promise<pg.QueryResult> {
    const tx = this.tx!;
    if (tx.ended) throw new Error("statement after the transaction ended");
    if (tx.begun && tx.pending.length === 0) return this.client.query(c);
    const results = await this.pipeline([step(c)]);
    return results[results.length - 1]!;
  }

  /**
   * In a raw transaction: BEGIN (if not yet sent) and the pending statements, then `after`, in one
   * round trip. A pending statement's error is thrown as its `fail` maps it; reads ahead after the
   * failed statement never ran, and whoever awaits them gets the error too.
   */
  private async pipeline(after: Step[]): Promise<pg.Result[]> {
    const tx = this.tx!;
    const pending = tx.pending;
    tx.pending = [];
    const steps: Step[] = [...(tx.begun ? [] : [BEGIN]), ...pending.map((x) => x.step), ...after];
    const first = tx.begun ? 0 : 1;
    tx.begun = true;
    const p = new Pipeline(steps);
    (this.client as pg.PoolClient).query(p);
    try {
      const results = await p.done;
      pending.forEach((x, i) => x.deliver?.(results[first + i]!));
      return results;
    } catch (err) {
      if (isStalePreparedStatement(err)) tx.stale = true;
      const failed = p.failedAt - first;
      pending.forEach((x, i) => x.deliver?.(i < failed ? p.results[first + i]! : null, i < failed ? undefined : err));
      throw failed >= 0 && failed < pending.length ? pending[failed]!.fail(err) : err;
    }
  }

  /**
   * In a raw transaction: a write whose result nobody reads (the audit append at commit), sent with
   * the transaction's next statement or its COMMIT — one round trip fewer. Its error surfaces there,
   * before COMMIT runs (the server skips the rest of the round trip), mapped by `fail`; it must check
   * in SQL whatever has to hold before COMMIT. Outside a raw transaction it runs at once.
   */
  async holdForCommit(text: string, params: readonly SqlParam[], fail: (err: unknown) => unknown): Promise<void> {
    const c = config(text, params);
    if (!this.tx) {
      try {
        await this.query(c);
      } catch (err) {
        throw fail(err);
      }
      return;
    }
    if (this.tx.ended) throw new Error("statement after the transaction ended");
    this.tx.pending.push({ step: step(c), fail });
  }

  /**
   * In a raw transaction: a read whose parameters are known before the transaction's next statement,
   * sent with it (one round trip fewer); it runs in its own statement snapshot just before that
   * statement, as if awaited there. Outside a raw transaction it runs when awaited.
   */
  readAhead<T>(text: string, params: readonly SqlParam[] = []): () => Promise<T[]> {
    const tx = this.tx;
    if (!tx || tx.ended) return () => this.all<T>(text, params);
    let deliver!: (r: pg.Result | null, err?: unknown) => void;
    const rows = new Promise<T[]>((resolve, reject) => {
      deliver = (r, err) => (r ? resolve(r.rows as T[]) : reject(err ?? new Error("the transaction ended before the read was sent")));
    });
    rows.catch(() => {}); // a read nobody awaits in the end (a denial) must not be an unhandled rejection
    tx.pending.push({ step: step(config(text, params)), fail: (err) => err, deliver });
    return () => rows;
  }

  /** COMMIT (with the pending statements, and BEGIN if nothing was sent yet); nothing at all for a transaction that sent nothing. */
  async commit(): Promise<void> {
    const tx = this.tx!;
    if (!tx.begun && tx.pending.length === 0) {
      tx.ended = true;
      return;
    }
    const results = await this.pipeline([COMMIT]);
    tx.ended = true;
    // COMMIT of a transaction a failed statement aborted rolls back and says so: never report that as committed.
    if (results[results.length - 1]!.command !== "COMMIT") throw new Error("the transaction was rolled back at COMMIT");
  }

  /** ROLLBACK, if anything was sent; pending statements are dropped unsent. */
  async rollback(): Promise<void> {
    const tx = this.tx!;
    const dropped = tx.pending;
    tx.pending = [];
    tx.ended = true;
    for (const x of dropped) x.deliver?.(null);
    if (tx.begun) await (this.client as pg.PoolClient).query("ROLLBACK");
  }

  /** A statement of this transaction met a stale prepared statement. */
  get stale(): boolean {
    return this.tx?.stale ?? false;
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

/**
 * Run `fn` in one transaction on one pooled client: committed if it returns, rolled back if it throws.
 * BEGIN rides with the first statement, COMMIT with a statement held for it (PgSql.holdForCommit).
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const sql = new PgSql(client, { begun: false, pending: [], ended: false, stale: false });
  let broken = false;
  try {
    try {
      const result = await fn(sql);
      await sql.commit();
      return result;
    } catch (err) {
      try {
        await sql.rollback();
      } catch {
        broken = true;
      }
      // Its prepared statements are stale: a fresh connection prepares them again.
      if (isStalePreparedStatement(err) || sql.stale) broken = true;
      throw err;
    }
  } finally {
    client.release(broken);
  }
}
