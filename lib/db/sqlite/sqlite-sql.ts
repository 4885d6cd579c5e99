import "server-only";
import type BetterSqlite3 from "better-sqlite3";
import type { Sql, SqlParam } from "@/lib/db/types";

/** Prepared statements are cached per connection and SQL text. */
const statements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** Raw SQL on the ORM's better-sqlite3 connection; the caller holds the connection lock. */
export class SqliteSql implements Sql {
  constructor(private readonly conn: BetterSqlite3.Database) {}

  private stmt(text: string, raw = false): BetterSqlite3.Statement {
    let cache = statements.get(this.conn);
    if (!cache) statements.set(this.conn, (cache = new Map()));
    // Array mode is a statement's state, so array reads get their own statement.
    const key = raw ? `\u0000raw\u0000${text}` : text;
    let s = cache.get(key);
    if (!s) {
      s = this.conn.prepare(text);
      // The ORM turns on safe integers for the whole connection; our columns fit in a double.
      if (s.reader) s.safeIntegers(false);
      if (raw) s.raw(true);
      cache.set(key, s);
    }
    return s;
  }

  async rows(text: string, params: readonly SqlParam[] = []): Promise<unknown[][]> {
    return this.stmt(text, true).all(...params.map(toSqliteParam)) as unknown[][];
  }

  async all<T>(text: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.stmt(text).all(...params.map(toSqliteParam)) as T[];
  }

  async get<T>(text: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.stmt(text).get(...params.map(toSqliteParam)) as T | undefined;
  }

  async run(text: string, params: readonly SqlParam[] = []): Promise<number> {
    const s = this.stmt(text);
    if (s.reader) return s.all(...params.map(toSqliteParam)).length;
    return s.run(...params.map(toSqliteParam)).changes;
  }

  /** A statement without parameters or results (transaction control). */
  exec(text: string): void {
    this.stmt(text).run();
  }
}

/** The ORM adapter stores DateTime as ISO-8601 text with an explicit offset; so must we. */
function toSqliteParam(v: SqlParam): string | number | null {
  if (v instanceof Date) return v.toISOString().replace("Z", "+00:00");
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}
