import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { queryOnce } from "./support/pg-admin";
import { atCommit, readAhead, runDeferrable, sqlTransaction } from "@/lib/db/sql";
import { sqlDriver } from "@/lib/db/client";
import type { Sql } from "@/lib/db/types";
import { PgSql } from "@/lib/db/postgres/pg-sql";
import { appendAudit } from "@/lib/audit/append";
import { verifyStoredChain } from "@/lib/audit/verify-stored-chain";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import { takeRunStepBeforeAppend } from "@/lib/db/tables/run";

// A raw transaction on PostgreSQL sends BEGIN with its first statement and its audit append at
// commit with the COMMIT (lib/db/postgres/pg-sql.ts: one Sync for several statements). What must
// hold before COMMIT is checked by the append's statement itself, so nothing is committed that the
// separate round trips would have rolled back.

let ctx: Awaited<ReturnType<typeof freshDb>>;

const q = <T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => queryOnce<T>(ctx.databaseUrl, text, params);

const events = async (type: string) => Number((await q<{ n: string }>(`SELECT count(*) AS "n" FROM "AuditEvent" WHERE "type" = $1`, [type]))[0]!.n);
const tenants = async (prefix: string) => Number((await q<{ n: string }>(`SELECT count(*) AS "n" FROM "Tenant" WHERE "id" LIKE $1`, [`${prefix}%`]))[0]!.n);
const INSERT_TENANT = `INSERT INTO "Tenant" ("id", "name") VALUES (?, ?)`;
// A conditional write like the mint's canary check: writes its row only when the condition holds.
const INSERT_TENANT_IF = `INSERT INTO "Tenant" ("id", "name") SELECT ?, ? WHERE ? = 1`;
const refused = () => new AppError("conflict", "refused by the check");

/** Round trips (ReadyForQuery messages) on the write pool's connections while `fn` runs. */
async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
  const driver = await sqlDriver();
  if (driver.kind !== "postgres") throw new Error("PostgreSQL only");
  let n = 0;
  const count = () => void n++;
  const watched: { on: (e: string, f: () => void) => void; removeListener: (e: string, f: () => void) => void }[] = [];
  const onAcquire = (client: pg.PoolClient) => {
    const con = (client as unknown as { connection: (typeof watched)[number] }).connection;
    con.on("readyForQuery", count);
    watched.push(con);
  };
  driver.pool.on("acquire", onAcquire);
  try {
    await fn();
  } finally {
    driver.pool.removeListener("acquire", onAcquire);
    for (const con of watched) con.removeListener("readyForQuery", count);
  }
  return n;
}

beforeAll(async () => {
  ctx = await freshDb();
  await sqlTransaction((sql) => appendAudit(sql, { type: "test.rt.warm", actorType: "system" })); // claims this instance's chains
});
afterAll(async () => {
  await ctx.cleanup();
});

describe("round trips of a raw transaction", () => {
  it("a proposal's shape — two reads, budget UPDATE locking a chain, deferred write, append at commit — is three round trips (six before)", async () => {
    const trips = await roundTrips(() =>
      sqlTransaction(
        atCommit(async (sql: Sql) => {
          const ahead = readAhead<{ y: number }>(sql, `SELECT 7 AS "y"`); // the idempotency lookup's place
          await sql.get(`SELECT 1 AS "x"`); // with BEGIN and the read ahead
          expect(await ahead()).toEqual([{ y: 7 }]);
          expect(await takeRunStepBeforeAppend(sql, { id: "run_none", now: new Date(), costMicros: 0 }, 1)).toBe(false); // no such run; the chain is locked all the same
          await runDeferrable(sql, INSERT_TENANT, ["rt_a", "a"]);
          await appendAudit(sql, { type: "test.rt.two", actorType: "system" }); // with COMMIT, the deferred write inside it
        }),
      ),
    );
    expect(trips).toBe(3);
    expect(await tenants("rt_a")).toBe(1);
    expect(await events("test.rt.two")).toBe(1);
    expect(await verifyStoredChain(100)).toMatchObject({ ok: true });
  });

  it("a checked write that wrote nothing fails the append's own statement: its refusal, nothing committed", async () => {
    const err = await sqlTransaction(
      atCommit(async (sql: Sql) => {
        await runDeferrable(sql, INSERT_TENANT, ["rt_b_plain", "b"]);
        await runDeferrable(sql, INSERT_TENANT_IF, ["rt_b_checked", "b", 0], { rows: 1, refusal: refused });
        await appendAudit(sql, { type: "test.rt.refused", actorType: "system" });
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe("refused by the check");
    expect(await tenants("rt_b")).toBe(0);
    expect(await events("test.rt.refused")).toBe(0);
    // The same write when its condition holds: committed with its event.
    await sqlTransaction(
      atCommit(async (sql: Sql) => {
        await runDeferrable(sql, INSERT_TENANT_IF, ["rt_b_checked", "b", 1], { rows: 1, refusal: refused });
        await appendAudit(sql, { type: "test.rt.refused", actorType: "system" });
      }),
    );
    expect(await tenants("rt_b_checked")).toBe(1);
    expect(await events("test.rt.refused")).toBe(1);
    expect(await verifyStoredChain(100)).toMatchObject({ ok: true });
  });

  it("an append whose deferred write fails at COMMIT rolls back and reaches the caller as that error", async () => {
    await sqlTransaction((sql) => sql.run(INSERT_TENANT, ["rt_c", "c"]));
    const err = await sqlTransaction(
      atCommit(async (sql: Sql) => {
        await runDeferrable(sql, INSERT_TENANT, ["rt_c", "again"]);
        await appendAudit(sql, { type: "test.rt.dup", actorType: "system" });
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect(await events("test.rt.dup")).toBe(0);
    // The connection that carried it is fine afterwards (its statements are prepared as they were).
    for (let i = 0; i < 12; i++) await sqlTransaction(atCommit((sql: Sql) => appendAudit(sql, { type: "test.rt.after", actorType: "system" })));
    expect(await events("test.rt.after")).toBe(12);
  });

  it("a held statement goes out before the next one: a later read in the transaction sees it", async () => {
    const seen = await sqlTransaction(async (sql) => {
      await (sql as PgSql).holdForCommit(INSERT_TENANT, ["rt_d", "d"], (e) => e);
      return sql.get<{ n: unknown }>(`SELECT count(*) AS "n" FROM "Tenant" WHERE "id" = ?`, ["rt_d"]);
    });
    expect(Number(seen!.n)).toBe(1);
    expect(await tenants("rt_d")).toBe(1);
  });

  it("a body that throws after holding a statement commits nothing", async () => {
    await expect(
      sqlTransaction(async (sql) => {
        await sql.run(INSERT_TENANT, ["rt_e_1", "e"]);
        await (sql as PgSql).holdForCommit(INSERT_TENANT, ["rt_e_2", "e"], (e) => e);
        throw new Error("body failed");
      }),
    ).rejects.toThrow("body failed");
    expect(await tenants("rt_e")).toBe(0);
  });

  it("a statement that failed inside the transaction is never reported committed, even if the body swallowed its error", async () => {
    await sqlTransaction((sql) => sql.run(INSERT_TENANT, ["rt_f", "f"]));
    await expect(
      sqlTransaction(async (sql) => {
        await sql.run(INSERT_TENANT, ["rt_f_other", "f"]);
        await sql.run(INSERT_TENANT, ["rt_f", "dup"]).catch(() => 0);
      }),
    ).rejects.toThrow("rolled back at COMMIT");
    expect(await tenants("rt_f_other")).toBe(0);
  });

  it("a statement that fails with BEGIN in its round trip rolls back cleanly; the next transaction on the pool works", async () => {
    await expect(sqlTransaction((sql) => sql.get(`SELECT 1/0 AS "x"`))).rejects.toThrow(/division by zero/);
    expect(await sqlTransaction((sql) => sql.get<{ x: number }>(`SELECT 2 AS "x"`))).toEqual({ x: 2 });
  });

  it("a read ahead rides with the next statement, in order after what is already pending, and sees the transaction's own writes", async () => {
    let seen: unknown;
    const trips = await roundTrips(() =>
      sqlTransaction(async (sql) => {
        await sql.run(INSERT_TENANT, ["rt_g", "g"]); // with BEGIN
        const ahead = readAhead<{ n: string }>(sql, `SELECT count(*) AS "n" FROM "Tenant" WHERE "id" = ?`, ["rt_g"]);
        await sql.get(`SELECT 1 AS "x"`);
        seen = await ahead();
      }),
    );
    expect(seen).toEqual([{ n: 1 }]);
    expect(trips).toBe(3); // BEGIN + INSERT, read ahead + SELECT, COMMIT
  });

  it("a read ahead that fails fails the statement it rode with too (the server skipped it); whoever awaits the read gets the error", async () => {
    let aheadErr: unknown;
    await expect(
      sqlTransaction(async (sql) => {
        const ahead = readAhead(sql, `SELECT 1/0 AS "x"`);
        try {
          await sql.run(INSERT_TENANT, ["rt_h", "h"]);
        } finally {
          aheadErr = await ahead().then(
            () => null,
            (e: unknown) => e,
          );
        }
      }),
    ).rejects.toThrow(/division by zero/);
    expect(String(aheadErr)).toMatch(/division by zero/);
    expect(await tenants("rt_h")).toBe(0);
  });

  it("a read ahead nobody awaits (a denial) costs no error; one left unsent by a rollback rejects whoever awaits it", async () => {
    await sqlTransaction(async (sql) => {
      readAhead(sql, `SELECT 1 AS "x"`);
      await sql.get(`SELECT 2 AS "x"`);
    });
    let unsent!: () => Promise<unknown[]>;
    await expect(
      sqlTransaction(async (sql) => {
        await sql.get(`SELECT 2 AS "x"`);
        unsent = readAhead(sql, `SELECT 3 AS "x"`);
        throw new Error("body failed");
      }),
    ).rejects.toThrow("body failed");
    await expect(unsent()).rejects.toThrow(/ended before the read was sent/);
  });
});
