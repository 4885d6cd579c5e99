import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "../support/demo-db";
import { onPostgres } from "../support/provider";
import { startAgentServer } from "../support/agent-server";
import { db } from "@/lib/db/client";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { call, demoAgent, stateCounts } from "./helpers";
import { spawnAgentServer } from "./spawn-server";

// Threat: a fault in the one place that records what happened must never
// turn into "allowed". If the audit write, the disk or the lock fails, the
// answer is 503, no token exists, and nothing else changed. Every fault here
// is real, in the test's own database: a trigger, a missing row, a held lock,
// a read-only file — no mocks.

const acme = demoAgent("acme", "prod", "support/send");

let cleanup: () => Promise<void>;
let databaseUrl: string;
let server: { url: string; close: () => Promise<void> };
let runId: string;
let n = 0;

beforeAll(async () => {
  ({ cleanup, databaseUrl } = await freshDemoDb());
  server = await startAgentServer();
  runId = (await call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" })).body.run_id;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const propose = (base = server.url, over: Record<string, unknown> = {}) =>
  call(base, "POST", "/api/v1/actions", acme.key, { run_id: runId, tool: "kb.search", args: { query: "q" }, idempotency_key: `fault-${++n}`, ...over });

/** The call failed closed: 503 "unavailable", no token in the answer, nothing written at all. */
async function failsClosed(fn: () => Promise<{ status: number; body: Record<string, any>; text: string }>) {
  const before = await stateCounts();
  const stepsBefore = (await db().run.findUniqueOrThrow({ where: { id: runId } })).stepsUsed;
  const r = await fn();
  expect(r.status, r.text).toBe(503);
  expect(r.body.error.code).toBe("unavailable");
  expect(r.text).not.toMatch(/eyJ/);
  expect(await stateCounts()).toEqual(before);
  expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).stepsUsed).toBe(stepsBefore);
  return r;
}

/** A real fault in the real database: a trigger that raises on every audit insert. */
async function installAuditFault(): Promise<void> {
  if (onPostgres) {
    await db().$executeRawUnsafe(`CREATE FUNCTION sec_audit_fault() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'simulated audit fault'; END; $$ LANGUAGE plpgsql`);
    await db().$executeRawUnsafe(`CREATE TRIGGER "sec_audit_fault" BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION sec_audit_fault()`);
  } else {
    await db().$executeRawUnsafe(`CREATE TRIGGER "sec_audit_fault" BEFORE INSERT ON "AuditEvent" BEGIN SELECT RAISE(ABORT, 'simulated audit fault'); END;`);
  }
}

async function removeAuditFault(): Promise<void> {
  if (onPostgres) {
    await db().$executeRawUnsafe(`DROP TRIGGER "sec_audit_fault" ON "AuditEvent"`);
    await db().$executeRawUnsafe(`DROP FUNCTION sec_audit_fault()`);
  } else {
    await db().$executeRawUnsafe(`DROP TRIGGER "sec_audit_fault"`);
  }
}

describe("the audit write fails → nothing is allowed", () => {
  it("an INSERT into AuditEvent that raises gives 503 on every agent write, and no token", async () => {
    const allowed = await propose();
    expect(allowed.status).toBe(200);
    await installAuditFault();
    try {
      await failsClosed(() => propose());
      await failsClosed(() => propose(server.url, { tool: "ticket.close", args: { ticket_id: "T-1" } }));
      await failsClosed(() => propose(server.url, { tool: "admin.tool", args: {} }));
      await failsClosed(() => call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" }));
      const r = await failsClosed(() => call(server.url, "POST", "/api/v1/tokens/redeem", null, { token: allowed.body.token, tool: "kb.search", args: { query: "q" } }));
      expect(r.body.error.message).not.toMatch(/simulated|sqlite|trigger/i);
    } finally {
      await removeAuditFault();
    }
    const later = await call(server.url, "POST", "/api/v1/tokens/redeem", null, { token: allowed.body.token, tool: "kb.search", args: { query: "q" } });
    expect(later.status).toBe(200);
  });

  it("a missing audit head row gives 503, no token", async () => {
    // SQLite appends to chain 0 (AuditHead); PostgreSQL to the instance's chains (AuditChain).
    if (onPostgres) {
      expect((await propose()).status).toBe(200); // the instance has claimed its chains
      const heads = await db().auditChain.findMany({ where: { closedAt: null } });
      expect(heads.length).toBeGreaterThan(0);
      await db().auditChain.deleteMany({ where: { closedAt: null } });
      try {
        await failsClosed(() => propose());
      } finally {
        await db().auditChain.createMany({ data: heads });
      }
      expect((await propose()).status).toBe(200);
      expect((await verifyStoredChain()).ok).toBe(true);
      return;
    }
    const head = await db().auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db().$executeRawUnsafe(`DELETE FROM "AuditHead"`);
    try {
      await failsClosed(() => propose());
    } finally {
      await db().auditHead.create({ data: head });
    }
    expect((await propose()).status).toBe(200);
    expect((await verifyStoredChain()).ok).toBe(true);
  });
});

// SQLite's own failure modes (a file lock, a read-only file); PostgreSQL's pool and
// transaction timeouts map to the same 503 through isDbUnavailable.
describe.skipIf(onPostgres)("the SQLite database is locked or read-only → deny", () => {
  it("SQLITE_BUSY beyond the busy timeout: 503, no token, and the lock holder's view is intact", async () => {
    const file = databaseUrl.replace(/^file:/, "");
    const other = new Database(file);
    other.pragma("busy_timeout = 0");
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      const r = await propose();
      expect(r.status, r.text).toBe(503);
      expect(r.body.error.code).toBe("unavailable");
      expect(r.text).not.toMatch(/eyJ/);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(await db().action.count({ where: { idempotencyKey: `fault-${n}` } })).toBe(0);
    expect((await propose()).status).toBe(200);
  }, 40_000);

  it("a read-only database file (fresh process, another user) fails closed with 503", async () => {
    // Root ignores file modes, so the server runs as `nobody` against a copy it may only read.
    const roDir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-ro-"));
    const roFile = path.join(roDir, "gatehouse.db");
    const src = new Database(databaseUrl.replace(/^file:/, ""));
    await src.backup(roFile);
    src.close();
    fs.chmodSync(roFile, 0o444);
    fs.chmodSync(roDir, 0o555);
    const ro = new Database(roFile, { readonly: true });
    const counts = () => ro.prepare(`SELECT (SELECT count(*) FROM "Action") a, (SELECT count(*) FROM "IssuedToken") t, (SELECT count(*) FROM "AuditEvent") e`).get();
    const before = counts();
    const child = await spawnAgentServer(`file:${roFile}`, roDir, { uid: 65534, gid: 65534 });
    try {
      const r = await propose(child.url);
      expect(r.status, r.text + child.stderr()).toBe(503);
      expect(r.body.error.code).toBe("unavailable");
      expect(r.text).not.toMatch(/eyJ/);
      const run = await call(child.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" });
      expect(run.status).toBe(503);
      expect(counts()).toEqual(before);
    } finally {
      await child.stop();
      ro.close();
      fs.chmodSync(roDir, 0o755);
      fs.rmSync(roDir, { recursive: true, force: true });
    }
  }, 60_000);
});
