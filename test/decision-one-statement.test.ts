import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { findRunById } from "@/lib/db/tables/run";
import { asSql } from "@/lib/db/sql";
import { killSwitchKeys, loadDecisionInput, loadProposalDecision, type LoadedDecisionInput } from "@/lib/actions/decision-context";

// A proposed call's decision reads the run, route + policy + breaker, tool and kill switches in ONE
// statement (lib/db/tables/decision.ts). It must answer exactly what the four separate reads answer,
// in every state those reads distinguish. Runs on SQLite and (scripts/test-postgres.sh) PostgreSQL.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let runId: string;
let routeId: string;
const agentKey = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

beforeAll(async () => {
  ctx = await freshDemoDb();
  const agent = await authenticateAgent(new Request("http://test/", { headers: { authorization: `Bearer ${agentKey.key}` } }));
  runId = (await startRun(agent, "support/send", { requestId: "req-one-statement" })).run_id;
  routeId = (await db().route.findUniqueOrThrow({ where: { name: "support/send" } })).id;
});
afterAll(async () => {
  await ctx?.cleanup();
});

const subject = (toolName: string) => ({ credentialRoutes: ["support/send"], tenantId: "acme", env: "prod", toolName });
const call = { costMicros: 0, nowMs: 1_800_000_000_000, args: { ticket_id: "T-1001", resolution: "done" } };

/** What the decision sees, without the args validator (a fresh closure each time). */
function comparable(d: LoadedDecisionInput) {
  const { validateArgs, ...input } = d.input;
  return { input, issues: d.tool && validateArgs ? validateArgs(d.tool) : null, route: d.route, tool: d.tool };
}

async function both(toolName: string) {
  const sql = asSql(db());
  const one = await loadProposalDecision(sql, { ...subject(toolName), runId, call });
  const run = (await findRunById(sql, runId))!;
  const four = await loadDecisionInput(sql, { ...subject(toolName), routeName: run.routeName, call: { ...call, run } });
  expect(one).not.toBeNull();
  expect(one!.run).toEqual(run);
  return { one: comparable(one!), four: comparable(four) };
}

describe("the proposal's decision rows in one statement", () => {
  it("an unknown run is null", async () => {
    expect(await loadProposalDecision(asSql(db()), { ...subject("ticket.close"), runId: "run_missing", call })).toBeNull();
  });

  it("answers as the separate reads, state by state", async () => {
    const states: [string, () => Promise<unknown>, string][] = [
      ["as seeded", async () => undefined, "ticket.close"],
      ["a tool not in the catalog", async () => undefined, "no.such.tool"],
      ["a tool of another case", async () => undefined, "Ticket.Close"],
      [
        "the tenant's kill switch",
        () => db().killSwitch.create({ data: { key: killSwitchKeys.tenant("acme"), scope: "tenant", tenantId: "acme", enabled: true, reason: "t" } }),
        "ticket.close",
      ],
      ["the tenant's kill switch off again", () => db().killSwitch.update({ where: { key: killSwitchKeys.tenant("acme") }, data: { enabled: false } }), "ticket.close"],
      [
        "the tool's kill switch everywhere",
        () => db().killSwitch.create({ data: { key: killSwitchKeys.tool("*", "ticket.close"), scope: "tool", tool: "ticket.close", enabled: true, reason: "t" } }),
        "ticket.close",
      ],
      [
        "another tenant's kill switch of the tool",
        () =>
          db().killSwitch.create({ data: { key: killSwitchKeys.tool("globex", "kb.search"), scope: "tool", tenantId: "globex", tool: "kb.search", enabled: true, reason: "t" } }),
        "kb.search",
      ],
      [
        "this tenant's kill switch of the tool",
        () => db().killSwitch.create({ data: { key: killSwitchKeys.tool("acme", "kb.search"), scope: "tool", tenantId: "acme", tool: "kb.search", enabled: true, reason: "t" } }),
        "kb.search",
      ],
      ["another scope's open breaker", () => db().routeBreaker.create({ data: { routeId, tenantId: "globex", env: "prod", state: "open", openedAt: new Date() } }), "kb.search"],
      ["this scope's open breaker", () => db().routeBreaker.create({ data: { routeId, tenantId: "acme", env: "prod", state: "open", openedAt: new Date() } }), "kb.search"],
      [
        "a route-wide breaker only",
        () =>
          db()
            .routeBreaker.deleteMany({ where: { routeId, tenantId: "acme" } })
            .then(() => db().routeBreaker.create({ data: { routeId, tenantId: "*", env: "*", state: "open" } })),
        "kb.search",
      ],
      ["the active policy version missing", () => db().route.update({ where: { id: routeId }, data: { activeVersion: 999 } }), "kb.search"],
      ["the run's route gone by name", () => db().run.update({ where: { id: runId }, data: { routeName: "support/none" } }), "kb.search"],
    ];
    const seen = new Set<string>();
    for (const [name, change, tool] of states) {
      await change();
      const { one, four } = await both(tool);
      expect(one, name).toEqual(four);
      seen.add(JSON.stringify([one.input.killSwitch, one.input.route?.breakerOpen ?? null, one.route === null, one.tool === null]));
    }
    // The states really differ: the comparison is not of one answer over and over.
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });
});
