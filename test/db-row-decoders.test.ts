import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { sqlFromTx, sqlRead, sqlTransaction } from "@/lib/db/sql";
import type { Row, Sql } from "@/lib/db/types";
import { seedDemo } from "@/lib/seed/seed-demo";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { appendAudit } from "@/lib/audit/append";
import { decodeAction, findActionByIdempotencyKey, loadActionWithApprovals } from "@/lib/db/tables/action";
import { decodeAuditEvent } from "@/lib/db/tables/audit-event";
import { decodeRun, findRunById } from "@/lib/db/tables/run";
import { decodeIssuedToken } from "@/lib/db/tables/issued-token";
import { decodeAgentCredential, findAgentCredentialByPrefix } from "@/lib/db/tables/agent-credential";
import { decodeTool, findToolByName } from "@/lib/db/tables/tool";

// The raw hot path and the ORM must see the same record: for each hot table, a row
// read by raw SQL and decoded equals the ORM's findUnique of it — dates as Dates,
// integers as numbers, nulls as nulls, no field more or less — on either provider.

let cleanup: () => Promise<void>;
const ctx = { requestId: "req_test_decoders" };
const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
let agent: AgentPrincipal;
let pendingId: string;
let allowedId: string;
let runId: string;

/** Every way raw SQL reaches the database: the read connection, a raw write transaction, an ORM transaction. */
async function viaEveryPath<T>(read: (sql: Sql) => Promise<T>): Promise<T[]> {
  return [await sqlRead(read), await sqlTransaction(read), await db().$transaction((tx) => read(sqlFromTx(tx)))];
}

const selectAll = (table: string, key: string, value: string | number) => (sql: Sql) => sql.get<Row>(`SELECT * FROM "${table}" WHERE "${key}" = ?`, [value]).then((r) => r!);

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  await seedDemo();
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${acme.key}` } }));
  const run = await startRun(agent, "support/send", ctx);
  runId = run.run_id;
  const pending = await proposeAction(
    agent,
    {
      run_id: runId,
      tool: "ticket.close",
      args: { ticket_id: "T-1", resolution: "fixed" },
      idempotency_key: "decoders:close",
      reason: "done",
      preview: { before: { status: "open" }, after: { status: "closed" } },
      on_behalf_of: "someone@example.com",
      cost_usd: 0.25,
    },
    ctx,
  );
  pendingId = pending.view.action_id;
  const reviewer = await db().user.findUniqueOrThrow({ where: { email: "reviewer@gatehouse.local" } });
  await voteOnAction({ actionId: pendingId, userId: reviewer.id, vote: "approve", requestId: ctx.requestId });
  const allowed = await proposeAction(
    agent,
    { run_id: runId, tool: "email.draft", args: { ticket_id: "T-2", to: "a@example.com", subject: "Hi", body: "Hello" }, idempotency_key: "decoders:draft" },
    ctx,
  );
  allowedId = allowed.view.action_id;
  // Fill the columns the flows above leave null, so every kind is read non-null too.
  const now = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
  await db().action.update({
    where: { id: allowedId },
    data: { redeemedAt: now, resultStatus: "ok", resultDurationMs: 1234, resultError: "none", resultAt: now, escalatedAt: now, ttlExtendedAt: now, rejectReason: "n/a" },
  });
  await db().issuedToken.updateMany({ where: { actionId: allowedId }, data: { redeemedAt: now } });
  await sqlTransaction((sql) =>
    appendAudit(sql, {
      type: "test.full",
      actorType: "agent",
      actorId: "a",
      requestId: "r",
      tenantId: "acme",
      env: "prod",
      route: "support/send",
      tool: "ticket.close",
      argsHash: "h",
      idempotencyKey: "k",
      credentialScope: "acme/prod",
      actionId: allowedId,
      runId,
      approvalIds: ["p1", "p2"],
      breakGlassSessionId: "bg",
      status: "ok",
      reason: "why",
      durationMs: 42,
      jti: "j",
      data: { n: 1 },
    }),
  );
});
afterAll(() => cleanup());

describe("raw rows decode to exactly the ORM's objects", () => {
  it("Action: SELECT * and the named queries, pending-then-approved and allowed-with-results", async () => {
    for (const id of [pendingId, allowedId]) {
      const orm = await db().action.findUniqueOrThrow({ where: { id } });
      for (const row of await viaEveryPath(selectAll("Action", "id", id))) expect(decodeAction(row)).toStrictEqual(orm);
      for (const found of await viaEveryPath((sql) => loadActionWithApprovals(sql, { id, tenantId: "acme", env: "prod" }))) {
        expect(found!.action).toStrictEqual(orm);
      }
      const byKey = await sqlRead((sql) => findActionByIdempotencyKey(sql, { credentialId: orm.credentialId, tool: orm.tool, idempotencyKey: orm.idempotencyKey }));
      expect(byKey!.action).toStrictEqual(orm);
    }
    const approved = await db().action.findUniqueOrThrow({ where: { id: pendingId } });
    expect(approved.tokenExpiresAt).toBeInstanceOf(Date);
    expect(approved.decidedAt).toBeInstanceOf(Date);
    const withResults = await db().action.findUniqueOrThrow({ where: { id: allowedId } });
    expect(withResults.resultDurationMs).toBe(1234);
    expect(await sqlRead((sql) => loadActionWithApprovals(sql, { id: allowedId, tenantId: "globex", env: "prod" }))).toBeNull();
  });

  it("Run", async () => {
    const orm = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(orm.stepsUsed).toBe(2);
    for (const row of await viaEveryPath(selectAll("Run", "id", runId))) expect(decodeRun(row)).toStrictEqual(orm);
    for (const run of await viaEveryPath((sql) => findRunById(sql, runId))) expect(run).toStrictEqual(orm);
  });

  it("IssuedToken: a run token and a redeemed action token", async () => {
    const tokens = await db().issuedToken.findMany({ where: { runId } });
    expect(tokens.map((t) => t.kind).sort()).toEqual(["action", "action", "run"]);
    expect(tokens.some((t) => t.redeemedAt !== null)).toBe(true);
    for (const t of tokens) {
      const orm = await db().issuedToken.findUniqueOrThrow({ where: { jti: t.jti } });
      for (const row of await viaEveryPath(selectAll("IssuedToken", "jti", t.jti))) expect(decodeIssuedToken(row)).toStrictEqual(orm);
    }
  });

  it("AuditEvent: every kind of event this flow wrote, and one with every field set", async () => {
    const events = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.some((e) => e.durationMs === 42 && e.approvalIds !== null)).toBe(true);
    for (const orm of events) {
      for (const row of await viaEveryPath(selectAll("AuditEvent", "seq", Number(orm.seq)))) expect(decodeAuditEvent(row)).toStrictEqual(orm);
    }
  });

  it("AgentCredential: the one authenticated (lastUsedAt set) and one never used", async () => {
    const used = await db().agentCredential.findUniqueOrThrow({ where: { id: agent.credentialId } });
    expect(used.lastUsedAt).toBeInstanceOf(Date);
    const unused = await db().agentCredential.findFirstOrThrow({ where: { lastUsedAt: null } });
    for (const orm of [used, unused]) {
      for (const row of await viaEveryPath(selectAll("AgentCredential", "id", orm.id))) expect(decodeAgentCredential(row)).toStrictEqual(orm);
      for (const c of await viaEveryPath((sql) => findAgentCredentialByPrefix(sql, orm.keyPrefix))) expect(c).toStrictEqual(orm);
    }
  });

  it("Tool (read on every proposal)", async () => {
    const orm = await db().tool.findUniqueOrThrow({ where: { name: "ticket.close" } });
    for (const row of await viaEveryPath(selectAll("Tool", "name", orm.name))) expect(decodeTool(row)).toStrictEqual(orm);
    for (const t of await viaEveryPath((sql) => findToolByName(sql, orm.name))) expect(t).toStrictEqual(orm);
  });
});
