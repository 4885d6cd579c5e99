import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/db/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/db/generated/postgres/client";
import { env } from "@/lib/env";
import type { Db, Provider } from "@/lib/db/types";
import { sqliteAdapter, type SqliteDriver } from "@/lib/db/sqlite/sqlite-driver";
import { WAKE_POOL_MAX, postgresPool, type PostgresDriver } from "@/lib/db/postgres/pg-sql";
import { releaseAuditChain } from "@/lib/db/postgres/audit-chain-claim";

export type { Db, Tx } from "@/lib/db/types";

/**
 * One Prisma client per process, with the driver adapter chosen from
 * DATABASE_URL. Both generated clients come from one schema, so the SQLite
 * client's type describes both.
 */
type Entry = { url: string; client: Db; driver?: SqliteDriver | PostgresDriver; closeSqlite?: () => Promise<void> };

const globalForDb = globalThis as unknown as { gatehouseDb?: Entry };

function create(url: string): Entry {
  if (url.startsWith("file:")) {
    const entry: Entry = { url, client: undefined as unknown as Db };
    const adapter = sqliteAdapter(url, (driver, close) => {
      entry.driver = driver;
      entry.closeSqlite = close;
    });
    entry.client = new SqliteClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } });
    return entry;
  }
  const pool = postgresPool(url, env().GATEHOUSE_PG_POOL_MAX);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const client = new PostgresClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } }) as unknown as Db;
  return { url, client, driver: { kind: "postgres", pool, readPool: postgresPool(url, env().GATEHOUSE_PG_READ_POOL_MAX), wakePool: postgresPool(url, WAKE_POOL_MAX) } };
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
  if (cached?.driver?.kind === "postgres") await releaseAuditChain();
  await cached?.client.$disconnect();
  // Raw SQL may have used the pool without the ORM ever connecting (then the ORM does not end it).
  if (cached?.driver?.kind === "postgres" && !cached.driver.pool.ended) await cached.driver.pool.end();
  if (cached?.driver?.kind === "postgres" && !cached.driver.readPool.ended) await cached.driver.readPool.end();
  if (cached?.driver?.kind === "postgres" && !cached.driver.wakePool.ended) await cached.driver.wakePool.end();
}

/** A trivial query: resolves when the database answers (readiness). */
export async function pingDb(): Promise<void> {
  await db().$queryRaw`SELECT 1`;
}

export function provider(): Provider {
  return env().provider;
}
