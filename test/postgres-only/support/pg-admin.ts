import crypto from "node:crypto";
import pg from "pg";

/** The admin URL of the throwaway server that scripts/test-postgres.sh started. */
export function adminUrl(): string {
  const url = process.env.GATEHOUSE_TEST_PG_URL;
  if (!url) throw new Error("PostgreSQL-only tests need GATEHOUSE_TEST_PG_URL; run them with: bash scripts/test-postgres.sh");
  return url;
}

/** Run one query on a connection of its own to `url`, outside the product's pools. */
export async function queryOnce<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Run one query on the admin connection. */
export function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryOnce<T>(adminUrl(), sql, params);
}

/** A new, empty database on the test server; returns its URL and a drop. */
export async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gh_empty_${crypto.randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: async () => void (await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}
