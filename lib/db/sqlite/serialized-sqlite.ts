import "server-only";
import type { IsolationLevel, SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import type BetterSqlite3 from "better-sqlite3";

/**
 * better-sqlite3 has one connection. Prisma's adapter serialises transactions
 * but lets a query outside a transaction run on the same connection while one
 * is open — it would read uncommitted rows or be rolled back with it. This
 * wrapper makes every statement outside a transaction wait its turn, so each
 * transaction is truly isolated within the process.
 */
export function serializeSqliteAdapter(factory: SqlDriverAdapterFactory, onConnect: (conn: BetterSqlite3.Database, lock: Lock) => void): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const inner = await factory.connect();
      // The adapter keeps its better-sqlite3 handle in `client`; raw SQL (lib/db/sql.ts)
      // shares that one connection and this lock.
      const conn = (inner as unknown as { client?: BetterSqlite3.Database }).client;
      if (!conn || typeof conn.prepare !== "function") throw new Error("unexpected SQLite adapter shape: no client handle");
      // WAL with synchronous=NORMAL: a commit is durable against a process crash;
      // on power loss the last commits may go, each whole — a token and its
      // IssuedToken row and audit record vanish together, so it cannot be redeemed.
      conn.pragma("synchronous = NORMAL");
      // Group commit runs each member in a SAVEPOINT; SQLite copies every page a
      // member first touches into a statement journal, which spills to a temp file
      // past 64 KiB (one proposal touches ~20 pages). In memory instead: a proposal's
      // audit inserts went from 277 to 62 µs (bench/hot-path.ts, serial).
      conn.pragma("temp_store = MEMORY");
      const lock = new Lock();
      onConnect(conn, lock);
      return serialize(inner, lock);
    },
  };
}

/** What raw SQL (lib/db/sql.ts) runs on: the ORM's own connection, its lock, and a read-only second connection. */
export type SqliteDriver = { kind: "sqlite"; conn: BetterSqlite3.Database; lock: Lock; reader: () => BetterSqlite3.Database };

export class Lock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

function serialize(inner: SqlDriverAdapter, lock: Lock): SqlDriverAdapter {
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const release = await lock.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (q: SqlQuery) => exclusive(() => inner.queryRaw(q)),
    executeRaw: (q: SqlQuery) => exclusive(() => inner.executeRaw(q)),
    executeScript: (s: string) => exclusive(() => inner.executeScript(s)),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    dispose: () => inner.dispose(),
    async startTransaction(level?: IsolationLevel): Promise<Transaction> {
      const release = await lock.acquire();
      let tx: Transaction;
      try {
        tx = await inner.startTransaction(level);
      } catch (err) {
        release();
        throw err;
      }
      let released = false;
      const done = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      return {
        provider: tx.provider,
        adapterName: tx.adapterName,
        options: tx.options,
        queryRaw: (q) => tx.queryRaw(q),
        executeRaw: (q) => tx.executeRaw(q),
        commit: async () => {
          try {
            await tx.commit();
          } finally {
            done();
          }
        },
        rollback: async () => {
          try {
            await tx.rollback();
          } finally {
            done();
          }
        },
      };
    },
  };
}
