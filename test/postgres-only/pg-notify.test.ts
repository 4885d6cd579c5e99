import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { freshDemoDb } from "../support/demo-db";
import { notifyActionChanged, waitForActionChange, waitForActionWake } from "@/lib/events/action-events";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { getAction, waitForAction } from "@/lib/actions/get-action";
import type { ActionWithApprovals } from "@/lib/db/tables/action";
import { ACTION_CHANNEL, pgNotifyReady, pgNotifyStatus, startPgNotify, stopPgNotify } from "@/lib/events/pg-notify";
import { adminQuery } from "./support/pg-admin";

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;

const agentOf = (name: string) => authenticateAgent(new Request("http://test/", { headers: { authorization: `Bearer ${DEMO_AGENTS.find((a) => a.name === name)!.key}` } }));

/** A pending action of acme-support (ticket.close waits for one approval). */
async function pendingAction(key: string): Promise<string> {
  const agent = await agentOf("acme-support");
  const run = await startRun(agent, "support/send", { requestId: `req-run-${key}` });
  const r = await proposeAction(
    agent,
    { run_id: run.run_id, tool: "ticket.close", args: { ticket_id: "T-1001", resolution: "done" }, idempotency_key: key },
    { requestId: `req-${key}` },
  );
  expect(r.view.status).toBe("pending");
  return r.view.action_id;
}

/** Another instance cancels the action: its own connection changes the row and notifies. */
async function cancelElsewhere(actionId: string): Promise<void> {
  const c = new pg.Client({ connectionString: ctx.databaseUrl });
  await c.connect();
  await c.query(`UPDATE "Action" SET "status" = 'cancelled', "decisionReason" = 'cancelled_by_agent' WHERE "id" = $1`, [actionId]);
  await c.query("SELECT pg_notify($1, $2)", [ACTION_CHANNEL, actionId]);
  await c.end();
}

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
  ctx = await freshDemoDb();
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

  it("a watched action's change arrives with its row, read after the change off the main thread", async () => {
    const id = await pendingAction("wake-prefetch-1");
    const woke = waitForActionWake(id, 5_000);
    await new Promise((r) => setTimeout(r, 50)); // the worker has the watch
    await cancelElsewhere(id);
    const wake = await woke;
    expect(wake.changed).toBe(true);
    const row = wake.prefetched as ActionWithApprovals;
    expect(row.action.id).toBe(id);
    expect(row.action.status).toBe("cancelled");
    expect(row.approvals).toBe(0);
    expect(row.action.createdAt).toBeInstanceOf(Date);
  });

  it("a long-poll woken from elsewhere answers the new state; the carried row is held to the waiter's tenant", async () => {
    const id = await pendingAction("wake-prefetch-2");
    const agent = await agentOf("acme-support");
    const polling = waitForAction(agent, id, 10);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await cancelElsewhere(id);
    expect((await polling).status).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(1_000);
    // A row carried by a wake-up is never answered to another tenant's agent: not found, as any other scope's id.
    const woke = waitForActionWake(id, 5_000);
    await new Promise((r) => setTimeout(r, 50));
    await notifyFromElsewhere(id);
    const prefetched = (await woke).prefetched as ActionWithApprovals;
    expect(prefetched.action.id).toBe(id);
    await expect(getAction(await agentOf("globex-support"), id, {}, { woken: true, prefetched })).rejects.toMatchObject({ code: "not_found" });
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
