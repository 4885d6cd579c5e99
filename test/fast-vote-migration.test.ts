import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, migratePostgres, migrateSqlite } from "@/lib/db/migrate";
import { onPostgres } from "./support/provider";
import { emptyDatabase, queryOnce } from "./postgres-only/support/pg-admin";

// The migration that adds Action.fastVote fills it for the votes cast before it, with the rule the vote now applies
// (lib/db/tables/vote.ts markFastVote, lib/approvals/card-views.ts): the card served to that voter before the vote,
// and less than 3,000 ms before it.
const MIGRATION = "20261203172057_action_fast_vote";
const T0 = Date.parse("2026-11-30T10:00:00.000Z");

/** Each case: a decided action, its votes (voter, ms after T0) and the voters' first serves (ms after T0). */
const CASES: { id: string; votes: [string, number][]; served: [string, number][]; fast: boolean; status?: "pending" }[] = [
  { id: "act_fast", votes: [["u1", 2_999]], served: [["u1", 0]], fast: true },
  { id: "act_at_bound", votes: [["u1", 3_000]], served: [["u1", 0]], fast: false },
  { id: "act_same_ms", votes: [["u1", 500]], served: [["u1", 500]], fast: true },
  { id: "act_served_after", votes: [["u1", 0]], served: [["u1", 1_000]], fast: false },
  { id: "act_no_card", votes: [["u1", 100]], served: [], fast: false },
  // Another reviewer's serve does not time this reviewer's vote; the second vote is fast.
  {
    id: "act_other_viewer",
    votes: [
      ["u1", 100],
      ["u2", 10_000],
    ],
    served: [
      ["u2", 9_000],
      ["u3", 0],
    ],
    fast: true,
  },
  {
    id: "act_slow_pair",
    votes: [
      ["u1", 5_000],
      ["u2", 70_000],
    ],
    served: [
      ["u1", 0],
      ["u2", 0],
    ],
    fast: false,
  },
  // Still pending: no decision time to fill (the decidedAt migration below).
  { id: "act_pending", votes: [], served: [], fast: false, status: "pending" },
];

const at = (ms: number) => new Date(T0 + ms);

type Exec = (sql: string, params: unknown[]) => Promise<void>;

async function insertCases(exec: Exec, date: (d: Date) => unknown): Promise<void> {
  for (const c of CASES) {
    await exec(
      `INSERT INTO "Action" ("id", "runId", "credentialId", "tenantId", "env", "routeId", "routeName", "policyVersion", "tool", "toolKind", "argsHash",
        "argsDisplay", "summary", "idempotencyKey", "status", "decisionReason", "createdAt", "updatedAt")
       VALUES (?, 'run_1', 'cred_1', 'acme', 'prod', 'route_1', 'support/send', 1, 'ticket.close', 'write', 'h', '{}', 's', ?, ?, 'approved', ?, ?)`,
      [c.id, `k-${c.id}`, c.status ?? "approved", date(at(0)), date(at(0))],
    );
    for (const [u, ms] of c.votes)
      await exec(`INSERT INTO "Approval" ("id", "actionId", "userId", "vote", "createdAt") VALUES (?, ?, ?, 'approve', ?)`, [`apv_${c.id}_${u}`, c.id, u, date(at(ms))]);
    for (const [u, ms] of c.served) await exec(`INSERT INTO "CardView" ("actionId", "userId", "firstServedAt") VALUES (?, ?, ?)`, [c.id, u, date(at(ms))]);
  }
}

const expected = Object.fromEntries(CASES.map((c) => [c.id, c.fast]));
// The later migration 20261204182406_action_decided_at_index: a final-state row without decidedAt takes its updatedAt
// (the history orders by decidedAt); a pending one keeps none.
const decidedAt = Object.fromEntries(CASES.map((c) => [c.id, c.status === "pending" ? null : at(0).getTime()]));

describe("the fastVote migration fills the flag for older votes (and the next one their decision time)", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir(), "fast-vote-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("on SQLite (dates as the ORM stores them: ISO-8601 text with an offset)", async () => {
    const file = path.join(dir, "m.db");
    const all = loadMigrations("sqlite");
    expect(all.some((m) => m.name === MIGRATION)).toBe(true);
    migrateSqlite(
      file,
      all.filter((m) => m.name < MIGRATION),
    );
    const conn = new Database(file);
    try {
      await insertCases(
        async (sql, params) => void conn.prepare(sql).run(...(params as (string | number)[])),
        (d) => d.toISOString().replace("Z", "+00:00"),
      );
    } finally {
      conn.close();
    }
    migrateSqlite(file);
    const check = new Database(file, { readonly: true });
    try {
      const rows = check.prepare(`SELECT "id", "fastVote", "decidedAt" FROM "Action"`).all() as { id: string; fastVote: number; decidedAt: string | null }[];
      expect(Object.fromEntries(rows.map((r) => [r.id, r.fastVote === 1]))).toEqual(expected);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.decidedAt === null ? null : Date.parse(r.decidedAt)]))).toEqual(decidedAt);
    } finally {
      check.close();
    }
  });

  it.runIf(onPostgres)("on PostgreSQL", async () => {
    const empty = await emptyDatabase();
    try {
      const all = loadMigrations("postgres");
      await migratePostgres(
        empty.url,
        all.filter((m) => m.name < MIGRATION),
      );
      await insertCases(
        async (sql, params) => {
          let n = 0;
          await queryOnce(
            empty.url,
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          );
        },
        (d) => d,
      );
      await migratePostgres(empty.url);
      const rows = await queryOnce<{ id: string; fastVote: boolean; decidedAt: Date | null }>(empty.url, `SELECT "id", "fastVote", "decidedAt" FROM "Action"`);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.fastVote]))).toEqual(expected);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.decidedAt?.getTime() ?? null]))).toEqual(decidedAt);
    } finally {
      await empty.drop();
    }
  });
});
