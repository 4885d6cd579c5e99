import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { resetEnvForTests } from "@/lib/env";
import { closeDb, db } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";

/**
 * A fresh, migrated database for one test file: a SQLite file in a temp
 * directory, or — when GATEHOUSE_TEST_PG_URL names a server — a new
 * PostgreSQL database on it. Returns the client and a cleanup.
 */
export async function freshDb(): Promise<{ dataDir: string; databaseUrl: string; cleanup: () => Promise<void> }> {
  const root = process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir();
  const dataDir = fs.mkdtempSync(path.join(root, "db-"));
  let databaseUrl = `file:${path.join(dataDir, "gatehouse.db")}`;
  let dropPg: (() => Promise<void>) | undefined;
  const admin = process.env.GATEHOUSE_TEST_PG_URL;
  if (admin) {
    const name = `gh_test_${crypto.randomBytes(6).toString("hex")}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropPg = async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    };
  }
  process.env.GATEHOUSE_DATA_DIR = dataDir;
  process.env.DATABASE_URL = databaseUrl;
  resetEnvForTests();
  await closeDb();
  await migrate(databaseUrl);
  db();
  return {
    dataDir,
    databaseUrl,
    cleanup: async () => {
      await closeDb();
      await dropPg?.();
    },
  };
}
