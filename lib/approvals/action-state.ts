import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import type { Action } from "@/lib/db/types";
import { decide } from "@/lib/policy/decide";
import { loadDecisionInput, killSwitchKeys } from "@/lib/actions/decision-context";
import { parseCredentialRoutes } from "@/lib/agents/authenticate-agent";
import { isGatewayAction, withheldMessage, withheldReason } from "@/lib/mcp/gateway-actions";
import { findServableFacts } from "@/lib/db/tables/mcp";

/**
 * Something about the world as it is now that a reviewer must see before
 * deciding: a kill switch, an open circuit breaker, a policy change since the
 * proposal, a credential revoked. `blocks`: an approval now would be denied,
 * so the card disables Approve and says why (the server re-checks at the vote
 * either way: lib/actions/vote-on-action.ts recheckAtDecision).
 * Messages are Gatehouse's words (and an admin's kill-switch reason), never the agent's.
 */
export type StateNotice = {
  code: "kill_switch" | "circuit_open" | "policy_changed" | "policy_denies" | "more_approvals" | "credential_revoked" | "tool_withheld" | "upstream_failing";
  message: string;
  blocks: boolean;
};

type ActionScope = Pick<Action, "id" | "tenantId" | "env" | "tool" | "routeId" | "policyVersion" | "idempotencyKey">;

/** What the queue can afford for a whole page: kill switches, open breakers and policy versions, three small reads. */
export async function stateNotices(actions: readonly ActionScope[]): Promise<Map<string, StateNotice[]>> {
  const out = new Map<string, StateNotice[]>();
  if (!actions.length) return out;
  const [switches, breakers, routes] = await Promise.all([
    // scope-guard: matched below to the given (already scoped) actions' own tenant and tool keys only
    db().killSwitch.findMany({ where: { enabled: true }, select: { key: true, reason: true } }),
    db().routeBreaker.findMany({ where: { state: "open" }, select: { routeId: true, tenantId: true, env: true } }),
    db().route.findMany({ where: { id: { in: [...new Set(actions.map((a) => a.routeId))] } }, select: { id: true, name: true, activeVersion: true } }),
  ]);
  const ks = new Map(switches.map((s) => [s.key, s.reason]));
  // A gateway call runs on approval: one whose tool Gatehouse would not serve now cannot be approved (the vote denies it).
  const servedKey = (a: ActionScope) => `${a.tenantId}\u0000${a.env}\u0000${a.tool}`;
  const gatewayCalls = [...new Map(actions.filter(isGatewayAction).map((a) => [servedKey(a), a])).values()];
  const served = new Map(
    gatewayCalls.length
      ? await sqlRead(async (sql) => {
          const out: [string, { withheld: string | null; failingSince: { upstream: string; at: Date } | null }][] = [];
          for (const a of gatewayCalls) {
            const facts = await findServableFacts(sql, a.tool, a);
            const h = facts.upstreamHealth;
            // The upstream's last recorded call failed (health is written on every change of state).
            const failing = h?.lastErrorAt && (!h.lastOkAt || h.lastErrorAt > h.lastOkAt) ? { upstream: h.name, at: h.lastErrorAt } : null;
            out.push([servedKey(a), { withheld: withheldReason(facts), failingSince: failing }]);
          }
          return out;
        })
      : [],
  );
  for (const a of actions) {
    const notes: StateNotice[] = [];
    const tenantSwitch = ks.get(killSwitchKeys.tenant(a.tenantId));
    const toolSwitch = ks.get(killSwitchKeys.tool(a.tenantId, a.tool)) ?? ks.get(killSwitchKeys.tool("*", a.tool));
    if (tenantSwitch !== undefined)
      notes.push({ code: "kill_switch", blocks: true, message: `Kill switch on: every action of tenant ${a.tenantId} is stopped${because(tenantSwitch)}.` });
    if (toolSwitch !== undefined) notes.push({ code: "kill_switch", blocks: true, message: `Kill switch on: the tool ${a.tool} is stopped${because(toolSwitch)}.` });
    const gw = isGatewayAction(a) ? served.get(servedKey(a)) : undefined;
    if (gw?.withheld)
      notes.push({ code: "tool_withheld", blocks: true, message: `Gatehouse will not run this call now: ${withheldMessage(gw.withheld)}. Approving it now is denied.` });
    else if (gw?.failingSince)
      notes.push({
        code: "upstream_failing",
        blocks: false,
        message: `The MCP upstream ${gw.failingSince.upstream} failed its last call (${gw.failingSince.at.toISOString().replace("T", " ").slice(0, 19)} UTC); approving runs this call at once, so it may fail too. Its health is on the MCP upstreams page.`,
      });
    const route = routes.find((r) => r.id === a.routeId);
    const open = breakers.some((b) => b.routeId === a.routeId && ((b.tenantId === a.tenantId && b.env === a.env) || (b.tenantId === "*" && b.env === "*")));
    if (open) {
      notes.push({
        code: "circuit_open",
        blocks: true,
        message: `The circuit breaker of ${route?.name ?? "this route"} for ${a.tenantId}/${a.env} is open; an admin must reset it before anything on it can be approved.`,
      });
    }
    if (route && route.activeVersion !== a.policyVersion) {
      notes.push({
        code: "policy_changed",
        blocks: false,
        message: `The policy of ${route.name} changed since the proposal (v${a.policyVersion} → v${route.activeVersion}); an approval is checked against v${route.activeVersion}.`,
      });
    }
    out.set(a.id, notes);
  }
  return out;
}

/**
 * One action's notices for its card: the page-level ones, and then the
 * decision itself re-run against the current policy, catalog, kill switches,
 * breaker and credential on the read connection (no write lock), so a policy
 * that now denies the tool, or needs more approvals, shows before the vote.
 */
export async function actionStateNotices(a: ActionScope & Pick<Action, "credentialId" | "routeName" | "approvalsRequired">): Promise<StateNotice[]> {
  const notes = (await stateNotices([a])).get(a.id) ?? [];

  // scope-guard: the action's own credential; the action was read through scopeWhere
  const cred = await db().agentCredential.findUnique({ where: { id: a.credentialId }, select: { revokedAt: true, routes: true } });
  if (!cred || cred.revokedAt) {
    notes.push({ code: "credential_revoked", blocks: true, message: "The agent's credential was revoked; approving it now is denied." });
    return notes;
  }
  const { input } = await sqlRead((sql) =>
    loadDecisionInput(sql, { credentialRoutes: parseCredentialRoutes(cred.routes), tenantId: a.tenantId, env: a.env, routeName: a.routeName, toolName: a.tool }),
  );
  const decision = decide(input);
  if (decision.outcome === "denied" && decision.reason !== "kill_switch" && decision.reason !== "circuit_open") {
    notes.push({ code: "policy_denies", blocks: true, message: `As things stand, approving is denied: ${decision.message}` });
  } else if (decision.outcome === "pending" && decision.approvalsRequired > a.approvalsRequired) {
    notes.push({
      code: "more_approvals",
      blocks: false,
      message: `The current policy needs ${decision.approvalsRequired} approvals for this tool (the proposal needed ${a.approvalsRequired}).`,
    });
  }
  return notes;
}

function because(reason: string): string {
  const r = reason.trim();
  return r ? ` (“${r.slice(0, 200)}”)` : "";
}
