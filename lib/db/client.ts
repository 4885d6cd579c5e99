import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/db/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/db/generated/postgres/client";
import { env } from "@/lib/env";
import pg from "pg";
import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { serializeSqliteAdapter, type Lock } from "@/lib/db/serialized-sqlite";
import { startWalCheckpointer } from "@/lib/db/wal-checkpointer";

/**
 * One Prisma client per process, with the driver adapter chosen from
 * DATABASE_URL. Both generated clients come from one schema, so the SQLite
 * client's type describes both.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** What raw SQL (lib/db/sql.ts) runs on: the ORM's own connection or pool. */
export type SqliteDriver = { kind: "sqlite"; conn: BetterSqlite3.Database; lock: Lock; reader: () => BetterSqlite3.Database };
export type PostgresDriver = { kind: "postgres"; pool: pg.Pool };

type Entry = { url: string; client: Db; driver?: SqliteDriver | PostgresDriver; closeSqlite?: () => Promise<void> };

const globalForDb = globalThis as unknown as { gatehouseDb?: Entry };

function create(url: string): Entry {
  if (url.startsWith("file:")) {
    const entry: Entry = { url, client: undefined as unknown as Db };
    const adapter = serializeSqliteAdapter(new PrismaBetterSQLite3({ url, timeout: 5_000 }), (conn, lock) => {
      let reader: BetterSqlite3.Database | undefined;
      entry.driver = {
        kind: "sqlite",
        conn,
        lock,
        // A second connection for reads outside transactions: under WAL it sees
        // only committed data, so it needs no lock and never waits for writers.
        reader: () => {
          if (!reader?.open) {
            reader = new Database(conn.name, { timeout: 5_000, fileMustExist: true });
            reader.pragma("query_only = ON");
          }
          return reader;
        },
      };
      const checkpointer = startWalCheckpointer(conn, lock);
      entry.closeSqlite = async () => {
        await checkpointer.stop();
        reader?.close();
      };
    });
    entry.client = new SqliteClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } });
    return entry;
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops (restart, failover, a terminated backend) must not take the
  // process down: the pool discards it and the next query opens a new one.
  pool.on("error", (err) => console.error("database: idle connection lost:", err.message));
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const client = new PostgresClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } }) as unknown as Db;
  return { url, client, driver: { kind: "postgres", pool } };
}

function entry(): Entry {
  const url = env().databaseUrl;
  const cached = globalForDb.gatehouseDb;
  if (cached && cached.url === url) return cached;
  const created = create(url);
  globalForDb.gatehouseDb = created;
  return created;
}

/** The process's database client, created on first use. */
export function db(): Db {
  return entry().client;
}

/** The connection (SQLite) or pool (Postgres) under the ORM, connecting it if needed. */
export async function sqlDriver(): Promise<SqliteDriver | PostgresDriver> {
  const e = entry();
  if (!e.driver) await e.client.$connect();
  if (!e.driver) throw new Error("database driver did not connect");
  return e.driver;
}

/** Close the client (tests and scripts). */
export async function closeDb(): Promise<void> {
  const cached = globalForDb.gatehouseDb;
  globalForDb.gatehouseDb = undefined;
  await cached?.closeSqlite?.();
  await cached?.client.$disconnect();
  // Raw SQL may have used the pool without the ORM ever connecting (then the ORM does not end it).
  if (cached?.driver?.kind === "postgres" && !cached.driver.pool.ended) await cached.driver.pool.end();
}

export function provider(): "sqlite" | "postgres" {
  return env().provider;
}
