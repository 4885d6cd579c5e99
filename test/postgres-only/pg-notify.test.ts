import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { freshDb } from "../support/db";
import { notifyActionChanged, waitForActionChange } from "@/lib/events/action-events";
import { ACTION_CHANNEL, pgNotifyReady, pgNotifyStatus, startPgNotify, stopPgNotify } from "@/lib/events/pg-notify";
import { adminQuery } from "./support/pg-admin";

let ctx: Awaited<ReturnType<typeof freshDb>>;

/** Another instance's notify, sent from its own connection. */
async function notifyFromElsewhere(actionId: string): Promise<void> {
  const c = new pg.Client({ connectionString: ctx.databaseUrl });
  await c.connect();
  await c.query("SELECT pg_notify($1, $2)", [ACTION_CHANNEL, actionId]);
  await c.end();
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  ctx = await freshDb();
  startPgNotify(ctx.databaseUrl);
  await pgNotifyReady();
});
afterAll(async () => {
  await stopPgNotify();
  await ctx.cleanup();
});

describe("LISTEN/NOTIFY between instances", () => {
  it("a notify from another connection wakes a local long-poll waiter", async () => {
    const waiting = waitForActionChange("act_remote_1", 5_000);
    const t0 = Date.now();
    await notifyFromElsewhere("act_remote_1");
    expect(await waiting).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("a notify for another action does not wake the waiter", async () => {
    const waiting = waitForActionChange("act_remote_2", 500);
    await notifyFromElsewhere("act_someone_else");
    expect(await waiting).toBe(false);
  });

  it("notifyActionChanged sends only the action id on the channel", async () => {
    const spy = new pg.Client({ connectionString: ctx.databaseUrl });
    await spy.connect();
    await spy.query(`LISTEN ${ACTION_CHANNEL}`);
    const got = new Promise<string | undefined>((resolve) => spy.on("notification", (m) => resolve(m.payload)));
    notifyActionChanged("act_local_3");
    expect(await got).toBe("act_local_3");
    await spy.end();
  });

  it("uses one listener connection per process", async () => {
    const rows = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN %'`, [
      new URL(ctx.databaseUrl).pathname.slice(1),
    ]);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it("reconnects after the listener's backend is terminated, and later notifies still wake waiters", async () => {
    const before = pgNotifyStatus()!;
    expect(before.listening).toBe(true);
    // A waiter that is already waiting when the connection drops is woken on reconnect (notifies sent meanwhile are lost).
    const early = waitForActionChange("act_early", 10_000);
    await adminQuery("SELECT pg_terminate_backend($1)", [before.backendPid]);
    await until(() => (pgNotifyStatus()?.connects ?? 0) > before.connects && pgNotifyStatus()!.listening);
    expect(pgNotifyStatus()!.backendPid).not.toBe(before.backendPid);
    expect(await early).toBe(true);

    const waiting = waitForActionChange("act_after_drop", 5_000);
    await notifyFromElsewhere("act_after_drop");
    expect(await waiting).toBe(true);
  });
});
