import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import type { Exec, Sql, Tx } from "@/lib/db/types";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { insertIssuedToken } from "@/lib/db/tables/issued-token";
import { isUniqueViolation } from "@/lib/db/errors";
import { provider } from "@/lib/db/client";

// A transaction body wrapped in atCommit writes all its appends as one, as its last statements
// before COMMIT (raw and ORM transactions, SQLite and PostgreSQL).

let cleanup: () => Promise<void>;
beforeAll(async () => ({ cleanup } = await freshDb()));
afterAll(() => cleanup());

const countIn = async (exec: Sql | Tx, type: string): Promise<number> => {
  const sql = exec as Sql;
  if (typeof sql.get === "function") return Number((await sql.get<{ n: unknown }>(`SELECT count(*) AS "n" FROM "AuditEvent" WHERE "type" = ?`, [type]))!.n);
  return (exec as Tx).auditEvent.count({ where: { type } });
};

const kinds: { name: string; run: <T>(fn: (exec: Exec) => Promise<T>) => Promise<T> }[] = [
  { name: "raw (sqlTransaction)", run: (fn) => sqlTransaction(atCommit((sql: Sql) => fn(sql))) },
  { name: "ORM ($transaction)", run: (fn) => db().$transaction(atCommit((tx: Tx) => fn(tx))) },
];

describe.each(kinds)("atCommit appends, $name", ({ name, run }) => {
  const type = `test.at_commit.${name.split(" ")[0]}`;

  it("several appends become one, written after the body: nothing is in the log while the body runs", async () => {
    const seen: number[] = [];
    const returned = await run(async (exec) => {
      const a = await appendAudit(exec, { type, actorType: "system", reason: "first" });
      seen.push(await countIn(exec as Sql | Tx, type));
      const b = await appendAudit(exec, { type, actorType: "system", reason: "second" }, { type, actorType: "system", reason: "third" });
      seen.push(await countIn(exec as Sql | Tx, type));
      return [a, b];
    });
    // The numbers are not known until COMMIT; the body is told so with empty arrays.
    expect(returned).toEqual([[], []]);
    expect(seen).toEqual([0, 0]);
    const rows = await db().auditEvent.findMany({ where: { type }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.reason)).toEqual(["first", "second", "third"]);
    // One reserve: consecutive numbers, linked.
    expect(rows.map((r) => Number(r.seq) - Number(rows[0]!.seq))).toEqual([0, 1, 2]);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });

  it("a body that throws writes nothing and moves no head", async () => {
    const head = await db().auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await expect(
      run(async (exec) => {
        await appendAudit(exec, { type: `${type}.rolled_back`, actorType: "system" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db().auditEvent.count({ where: { type: `${type}.rolled_back` } })).toBe(0);
    expect(await db().auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(head);
    // Nothing of the failed transaction lingers for the next one (SQLite's transactions share one connection object).
    await run((exec) => appendAudit(exec, { type: `${type}.after_failure`, actorType: "system" }));
    expect(await db().auditEvent.count({ where: { type: `${type}.after_failure` } })).toBe(1);
  });

  it("concurrent atCommit transactions stay on one linear chain", async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => run((exec) => appendAudit(exec, { type: `${type}.many`, actorType: "system", data: { i } }))));
    expect(await db().auditEvent.count({ where: { type: `${type}.many` } })).toBe(30);
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });
});

describe("without atCommit", () => {
  it("an append is written at once and returns its numbers", async () => {
    const seqs = await sqlTransaction(async (sql) => {
      const s = await appendAudit(sql, { type: "test.immediate", actorType: "system" });
      expect(await countIn(sql, "test.immediate")).toBe(1);
      return s;
    });
    expect(seqs).toHaveLength(1);
    expect(Number((await db().auditEvent.findFirstOrThrow({ where: { type: "test.immediate" } })).seq)).toBe(seqs[0]);
  });
});

describe("deferred writes (runDeferrable): on PostgreSQL they ride with the audit append", () => {
  const pg = () => provider() === "postgres";
  const token = (jti: string) => ({
    jti,
    kind: "run",
    tenantId: "t",
    env: "e",
    runId: "run_deferred",
    actionId: null,
    expiresAt: new Date(Date.now() + 60_000),
    issuedAt: new Date(),
  });
  const tokens = (sql: Sql, jti: string) => sql.get<{ n: unknown }>(`SELECT count(*) AS "n" FROM "IssuedToken" WHERE "jti" = ?`, [jti]).then((r) => Number(r!.n));

  it("the row is written with the append (after the body on PostgreSQL, at once on SQLite), with its audit event", async () => {
    const seen = await sqlTransaction(
      atCommit(async (sql: Sql) => {
        await insertIssuedToken(sql, token("jti_deferred_1"));
        await appendAudit(sql, { type: "test.deferred", actorType: "system", jti: "jti_deferred_1" });
        return tokens(sql, "jti_deferred_1");
      }),
    );
    expect(seen).toBe(pg() ? 0 : 1);
    expect(await db().issuedToken.count({ where: { jti: "jti_deferred_1" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { type: "test.deferred", jti: "jti_deferred_1" } })).toBe(1);
    expect(await verifyStoredChain()).toMatchObject({ ok: true });
  });

  it("a deferred write that is refused (unique violation) rolls the transaction back, audit events included, and reaches the caller as a unique violation", async () => {
    const head = await db().auditEvent.count();
    const err = await sqlTransaction(
      atCommit(async (sql: Sql) => {
        await insertIssuedToken(sql, token("jti_deferred_1"));
        await appendAudit(sql, { type: "test.deferred.refused", actorType: "system" });
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect(await db().auditEvent.count()).toBe(head);
    expect(await db().issuedToken.count({ where: { jti: "jti_deferred_1" } })).toBe(1);
  });

  it("a transaction without an append still writes its deferred rows before COMMIT", async () => {
    await sqlTransaction(atCommit((sql: Sql) => insertIssuedToken(sql, token("jti_deferred_2"))));
    expect(await db().issuedToken.count({ where: { jti: "jti_deferred_2" } })).toBe(1);
  });
});
