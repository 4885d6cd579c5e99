import path from "node:path";
import { spawnSync } from "node:child_process";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { tsxCliArgs } from "@/scripts/tsx-node-args";

let cleanup: () => Promise<void>;
let databaseUrl: string;
beforeAll(async () => {
  ({ cleanup, databaseUrl } = await freshDb());
  await db().$transaction((tx) => appendAudit(tx, ...Array.from({ length: 10 }, (_, i) => ({ type: "test.event", actorType: "system" as const, data: { i } }))));
});
afterAll(() => cleanup());

/** Run `npm run audit:verify` as a separate process against this file's database. */
function runVerify(...args: string[]) {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const res = spawnSync(tsx, [...tsxCliArgs, "scripts/audit-verify.ts", ...args], { encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

/** Bypass the append-only triggers the way someone with direct database access would. */
async function tamper(sql: string): Promise<void> {
  if (databaseUrl.startsWith("file:")) {
    const raw = new Database(databaseUrl.slice("file:".length));
    try {
      raw.exec(`DROP TRIGGER IF EXISTS "AuditEvent_no_update"; DROP TRIGGER IF EXISTS "AuditEvent_no_delete";`);
      raw.exec(sql);
    } finally {
      raw.close();
    }
    return;
  }
  const raw = new pg.Client({ connectionString: databaseUrl });
  await raw.connect();
  try {
    await raw.query(`DROP TRIGGER IF EXISTS "AuditEvent_no_update" ON "AuditEvent"`);
    await raw.query(`DROP TRIGGER IF EXISTS "AuditEvent_no_delete" ON "AuditEvent"`);
    await raw.query(sql);
  } finally {
    await raw.end();
  }
}

describe("audit:verify CLI", () => {
  it("reports an intact chain and exits 0, across batch boundaries", () => {
    expect(runVerify()).toMatchObject({ code: 0, out: expect.stringContaining("audit chain OK: 10 events") });
    expect(runVerify("--batch", "3")).toMatchObject({ code: 0, out: expect.stringContaining("audit chain OK: 10 events") });
  });

  it("an edited row makes it exit 1 naming exactly that sequence", async () => {
    await tamper(`UPDATE "AuditEvent" SET "data" = '{"i":999}' WHERE "seq" = 7`);
    const res = runVerify("--batch", "3");
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/audit chain BROKEN at sequence 7: /);
  });

  it("a removed last event is caught by the head row and named", async () => {
    await tamper(`UPDATE "AuditEvent" SET "data" = '{"i":6}' WHERE "seq" = 7`);
    expect(runVerify()).toMatchObject({ code: 0 });
    await tamper(`DELETE FROM "AuditEvent" WHERE "seq" = 10`);
    const res = runVerify();
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/audit chain BROKEN at sequence 10: /);
  });
});
