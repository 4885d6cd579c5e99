import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { unseal } from "@/lib/crypto/seal";
import { seedDemo } from "@/lib/seed/seed-demo";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { tokenSealContext } from "@/lib/actions/action-view";
import { openBreakGlass } from "@/lib/break-glass/open-break-glass";
import { mintBreakGlassToken } from "@/lib/break-glass/mint-break-glass-token";
import { mintActionToken, mintRunToken } from "@/lib/tokens/mint";
import { argsHash } from "@gatehouse-dev/sdk";
import type { Action } from "@/lib/db/types";

// Issue 15 item 2: one createAction, one loadDecisionInput, one mint protocol,
// one actionAuditFields. These pin the rules that keep them the only ones.

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
let oncallId: string;
const ctx = { requestId: "req_lifecycle" };

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  await seedDemo();
  const demo = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demo.key}` } }));
  runId = (await startRun(agent, "support/send", ctx)).run_id;
  oncallId = await makeUser("lifecycle-oncall@example.com", ["oncall"], "oncall-pw");
});
afterAll(() => cleanup());

const nonNullColumns = (a: Action) =>
  Object.entries(a)
    .filter(([, v]) => v !== null)
    .map(([k]) => k)
    .sort();

/** The row's token, its IssuedToken row and its two audit events, as createAction writes them. */
async function expectCreatedWithToken(a: Action) {
  expect(a.tokenJti).toBeTruthy();
  expect(a.decidedAt!.getTime()).toBe(a.createdAt.getTime());
  const claims = decodeJwt(unseal(a.tokenSealed!, tokenSealContext(a.id)));
  expect(claims).toMatchObject({ jti: a.tokenJti, action_id: a.id, run_id: a.runId, tool: a.tool, args_hash: a.argsHash, idempotency_key: a.idempotencyKey });
  expect(claims.exp! * 1000).toBe(a.tokenExpiresAt!.getTime());
  const issued = await db().issuedToken.findUniqueOrThrow({ where: { jti: a.tokenJti! } });
  expect(issued).toMatchObject({ kind: "action", actionId: a.id, runId: a.runId, tenantId: a.tenantId, env: a.env });
  const events = await db().auditEvent.findMany({ where: { actionId: a.id }, orderBy: { seq: "asc" } });
  expect(events.map((e) => e.type)).toEqual(["action.decided", "token.minted"]);
  const [decided, minted] = events;
  // The decision and its token go on the chain in one append, side by side.
  expect(minted!.seq).toBe(decided!.seq + 1n);
  expect(minted!.jti).toBe(a.tokenJti);
  expect(decided).toMatchObject({
    tenantId: a.tenantId,
    env: a.env,
    route: a.routeName,
    tool: a.tool,
    argsHash: a.argsHash,
    idempotencyKey: a.idempotencyKey,
    credentialScope: `${a.tenantId}/${a.env}`,
    runId: a.runId,
    status: a.status,
    reason: a.decisionReason,
    breakGlassSessionId: a.breakGlassSessionId,
  });
}

describe("one action lifecycle", () => {
  it("an allowed proposal and a break-glass mint create the same Action row: token sealed on it, IssuedToken row, decided then token.minted", async () => {
    const proposed = await proposeAction(agent, { run_id: runId, tool: "kb.search", args: { query: "refunds" }, idempotency_key: "lc-allowed" }, ctx);
    expect(proposed.view.status).toBe("allowed");
    const allowed = await db().action.findUniqueOrThrow({ where: { id: proposed.view.action_id } });
    await expectCreatedWithToken(allowed);

    const session = await openBreakGlass(oncallId, { password: "oncall-pw", reason: "incident 15" }, ctx);
    const bg = await mintBreakGlassToken(oncallId, { session_id: session.id, run_id: runId, tool: "ticket.close", args: { ticket_id: "T-15" } }, ctx);
    const glass = await db().action.findUniqueOrThrow({ where: { id: bg.action_id } });
    await expectCreatedWithToken(glass);

    // Same columns filled, except what only break-glass has: its session and a reason.
    // Break-glass gets no approval window beyond its one token (approvalValidUntil stays null).
    const allowedCols = nonNullColumns(allowed).filter((c) => c !== "approvalValidUntil");
    expect(nonNullColumns(allowed)).toContain("approvalValidUntil");
    expect(nonNullColumns(glass)).toEqual([...new Set([...allowedCols, "reason", "breakGlassSessionId"])].sort());
  });

  it("a pending proposal is created without a token, with only its decision audited", async () => {
    const r = await proposeAction(agent, { run_id: runId, tool: "ticket.close", args: { ticket_id: "T-16" }, idempotency_key: "lc-pending" }, ctx);
    expect(r.view.status).toBe("pending");
    const a = await db().action.findUniqueOrThrow({ where: { id: r.view.action_id } });
    expect(a).toMatchObject({ tokenJti: null, tokenSealed: null, tokenExpiresAt: null, decidedAt: null });
    expect(await db().issuedToken.count({ where: { actionId: a.id } })).toBe(0);
    const events = await db().auditEvent.findMany({ where: { actionId: a.id } });
    expect(events.map((e) => e.type)).toEqual(["action.decided"]);
    expect(events[0]).toMatchObject({ credentialScope: "acme/prod", idempotencyKey: "lc-pending", status: "pending" });
  });

  it("the mint protocol: sign, store, IssuedToken row, token.minted — the token is returned only after its record", async () => {
    const input = {
      credentialId: agent.credentialId,
      tenant: "acme",
      env: "prod",
      route: "support/send",
      runId,
      actionId: "act_protocol",
      tool: "kb.search",
      argsHash: argsHash({ query: "q" }),
      idempotencyKey: "k",
      approverIds: [],
    };
    let seenAtStore: { issued: number; minted: number } | null = null;
    const minted = await db().$transaction((tx) =>
      mintActionToken(tx, input, { actorType: "agent", actorId: agent.credentialId }, async (m) => {
        seenAtStore = {
          issued: await tx.issuedToken.count({ where: { jti: m.jti } }),
          minted: await tx.auditEvent.count({ where: { jti: m.jti } }),
        };
        return [{ type: "test.before_mint", actorType: "system", actionId: "act_protocol" }];
      }),
    );
    // store ran after signing and before anything was recorded…
    expect(seenAtStore).toEqual({ issued: 0, minted: 0 });
    // …and the caller got the token only once both records existed, store's event right before token.minted.
    expect(await db().issuedToken.count({ where: { jti: minted.jti } })).toBe(1);
    const events = await db().auditEvent.findMany({ where: { actionId: "act_protocol" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["test.before_mint", "token.minted"]);
    expect(events[1]!.seq).toBe(events[0]!.seq + 1n);
  });

  it("a failing store leaves no IssuedToken row and no audit event", async () => {
    let jti = "";
    await expect(
      db().$transaction((tx) =>
        mintActionToken(
          tx,
          {
            credentialId: "c",
            tenant: "acme",
            env: "prod",
            route: "support/send",
            runId,
            actionId: "act_fail",
            tool: "kb.search",
            argsHash: argsHash({ query: "q" }),
            idempotencyKey: "k",
            approverIds: [],
          },
          { actorType: "agent" },
          async (m) => {
            jti = m.jti;
            throw new Error("store failed");
          },
        ),
      ),
    ).rejects.toThrow("store failed");
    expect(jti).not.toBe("");
    expect(await db().issuedToken.count({ where: { jti } })).toBe(0);
    expect(await db().auditEvent.count({ where: { jti } })).toBe(0);
  });

  it("a run token is minted by the same protocol: IssuedToken row and token.minted with its jti", async () => {
    const t = await db().$transaction((tx) =>
      mintRunToken(tx, { credentialId: agent.credentialId, tenant: "acme", env: "prod", route: "support/send", runId, tools: ["kb.search"] }, { actorType: "agent" }),
    );
    expect(await db().issuedToken.findUnique({ where: { jti: t.jti } })).toMatchObject({ kind: "run", runId, actionId: null });
    expect(await db().auditEvent.count({ where: { jti: t.jti, type: "token.minted" } })).toBe(1);
  });
});

// ------------------------------------------------------------ source rules

const ROOT = path.resolve(import.meta.dirname, "..");

function sources(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      const rel = path.posix.join(d, e.name);
      if (e.isDirectory()) {
        if (rel !== "lib/db/generated" && e.name !== "node_modules") walk(rel);
      } else if (/\.tsx?$/.test(e.name)) {
        out.push({ file: rel, text: fs.readFileSync(path.join(ROOT, rel), "utf8") });
      }
    }
  };
  walk(dir);
  return out;
}

const product = [...sources("lib"), ...sources("app")];
const offenders = (re: RegExp, allowed: string[] = []) => product.filter((s) => re.test(s.text) && !allowed.includes(s.file)).map((s) => s.file);

describe("one place for each lifecycle step (source rules)", () => {
  it("Action rows are inserted only by createAction", () => {
    expect(offenders(/\.action\.(create|createMany|createManyAndReturn|upsert)\(/)).toEqual([]);
    expect(offenders(/\binsertAction\b/, ["lib/db/tables/action.ts", "lib/actions/create-action.ts"])).toEqual([]);
  });

  it("tokens are signed only inside the mint protocol", () => {
    expect(offenders(/\bsignJws\b/, ["lib/tokens/sign-jws.ts", "lib/tokens/mint.ts"])).toEqual([]);
  });

  it("a live decision's input is assembled only by lib/actions/decision-context.ts (loadDecisionInput, or loadProposalDecision for a new call); other decide() inputs are replays with no kill switch state", () => {
    const replay = /killSwitch:\s*\{\s*tenant:\s*false,\s*tool:\s*false\s*\}/;
    const callers = product.filter((s) => s.file !== "lib/policy/decide.ts" && /from "@\/lib\/policy\/decide"/.test(s.text) && /\bdecide\(/.test(s.text));
    const live = callers.filter((s) => !replay.test(s.text));
    // lib/approvals/action-state.ts re-runs the decision read-only, to show the card what an approval now would meet.
    expect(live.map((s) => s.file).sort()).toEqual([
      "lib/actions/edit-action-args.ts",
      "lib/actions/propose-action.ts",
      "lib/actions/vote-on-action.ts",
      "lib/approvals/action-state.ts",
      "lib/break-glass/mint-break-glass-token.ts",
      // Tool discovery (GET /api/v1/tools, MCP tools/list): the real decision per granted tool, without args.
      "lib/catalog/granted-tools.ts",
    ]);
    expect(live.filter((s) => !/\b(loadDecisionInput|loadProposalDecision)\(/.test(s.text)).map((s) => s.file)).toEqual([]);
    expect(offenders(/killSwitch:(?!\s*\{\s*tenant:\s*false)/, ["lib/policy/decide.ts"])).toEqual([]);
  });

  it("a credential's routes are parsed only by parseCredentialRoutes (zod), never by a bare JSON.parse", () => {
    expect(offenders(/JSON\.parse\([\w.]*\.routes\)/, ["lib/agents/authenticate-agent.ts"])).toEqual([]);
  });

  it("a refusal has one shape: Outcome from lib/errors.ts, built by refusal()", () => {
    expect(offenders(/kind:\s*"refused"|\bok:\s*false[,;]\s*error\b|\{\s*(denied|error|refused):\s*new AppError/, ["lib/errors.ts"])).toEqual([]);
  });

  it("the credential scope is spelled only by credentialScope()", () => {
    expect(offenders(/credentialScope:\s*`/)).toEqual([]);
  });
});
