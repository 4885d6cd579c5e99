import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/db/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/db/generated/postgres/client";
import { env } from "@/lib/env";
import { serializeSqliteAdapter } from "@/lib/db/serialized-sqlite";

/**
 * One Prisma client per process, with the driver adapter chosen from
 * DATABASE_URL. Both generated clients come from one schema, so the SQLite
 * client's type describes both.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const globalForDb = globalThis as unknown as { gatehouseDb?: { url: string; client: Db } };

function create(url: string): Db {
  if (url.startsWith("file:")) {
    const adapter = serializeSqliteAdapter(new PrismaBetterSQLite3({ url, timeout: 5_000 }));
    return new SqliteClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } });
  }
  const adapter = new PrismaPg({ connectionString: url, max: 10 });
  return new PostgresClient({ adapter, transactionOptions: { timeout: 15_000, maxWait: 15_000 } }) as unknown as Db;
}

/** The process's database client, created on first use. */
export function db(): Db {
  const url = env().databaseUrl;
  const cached = globalForDb.gatehouseDb;
  if (cached && cached.url === url) return cached.client;
  const client = create(url);
  globalForDb.gatehouseDb = { url, client };
  return client;
}

/** Close the client (tests and scripts). */
export async function closeDb(): Promise<void> {
  const cached = globalForDb.gatehouseDb;
  globalForDb.gatehouseDb = undefined;
  await cached?.client.$disconnect();
}

export function provider(): "sqlite" | "postgres" {
  return env().provider;
}
