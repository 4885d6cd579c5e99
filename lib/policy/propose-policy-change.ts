import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { canonicalJson } from "@/lib/sdk/args-hash";
import { toolEntryFromRow } from "@/lib/catalog/tool-from-row";
import { parsePolicy, unknownTools } from "@/lib/policy/policy-schema";
import { comparePolicies, type PolicyComparison } from "@/lib/policy/compare-policies";
import { checkExpectations, EXPECTATION_KINDS, type Expectation, type ExpectationResult } from "@/lib/policy/expectations";
import type { Policy, ToolEntry, ToolKind } from "@/lib/policy/types";

/** What happened to a proposed policy version. */
export type PolicyChangeStatus = "active" | "pending" | "blocked";

export type PolicyChangeResult = {
  id: string;
  route: string;
  version: number;
  status: PolicyChangeStatus;
  comparison: PolicyComparison;
  /** Expectations that the proposed policy breaks (non-empty only when blocked). */
  failing: ExpectationResult[];
  unknownTools: string[];
};

export type ProposePolicyInput = {
  route: string;
  /** The proposed policy, as JSON text or a value; validated with parsePolicy. */
  policy: unknown;
  /** Why: kept in the version history and the audit log. */
  reason: string;
  actorId: string;
  requestId?: string | null;
  /** Set by rollback so history and audit say what was restored. */
  rollbackOf?: number;
};

/** The catalog as ToolEntry values; a row that no longer parses is left out (so it counts as unknown, i.e. denied). */
export async function loadToolMap(tx: Tx | ReturnType<typeof db>): Promise<Map<string, ToolEntry>> {
  const rows = await tx.tool.findMany();
  const out = new Map<string, ToolEntry>();
  for (const row of rows) {
    try {
      out.set(row.name, toolEntryFromRow(row));
    } catch {
      // fail closed: an unreadable entry is treated as unknown
    }
  }
  return out;
}

/** Tool name → kind, for the human-readable comparison. */
export function kindsOf(tools: ReadonlyMap<string, ToolEntry>): Map<string, ToolKind> {
  return new Map([...tools].map(([n, t]) => [n, t.kind]));
}

/** A route's expectations from the PolicyTest table. */
export async function loadExpectations(tx: Tx | ReturnType<typeof db>, routeId: string): Promise<Expectation[]> {
  const rows = await tx.policyTest.findMany({ where: { routeId }, orderBy: { createdAt: "asc" } });
  return rows
    .filter((r) => (EXPECTATION_KINDS as readonly string[]).includes(r.expect))
    .map((r) => ({ tool: r.tool, expect: r.expect as Expectation["expect"] }));
}

/** The route row and its parsed active policy; 404 when the route does not exist. */
export async function loadActivePolicy(tx: Tx, routeName: string) {
  const route = await tx.route.findUnique({ where: { name: routeName } });
  if (!route) throw new AppError("not_found", `No route named ${routeName}.`);
  const active = await tx.policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  if (!active || active.status !== "active") throw new AppError("conflict", `The route ${routeName} has no readable active policy.`);
  return { route, active, policy: parsePolicy(active.policy) };
}

/** Make `versionId` the route's active version: the previous one is superseded in the same transaction. */
export async function activateVersion(tx: Tx, routeId: string, previousActiveId: string, versionId: string, version: number): Promise<void> {
  await tx.policyVersion.update({ where: { id: previousActiveId }, data: { status: "superseded" } });
  await tx.policyVersion.update({ where: { id: versionId }, data: { status: "active" } });
  await tx.route.update({ where: { id: routeId }, data: { activeVersion: version } });
}

export function requireReason(reason: string): string {
  const r = reason.trim();
  if (!r) throw new AppError("validation_failed", "Say why you are changing the policy.", { issues: [{ path: "reason", message: "Required." }] });
  if (r.length > 1000) throw new AppError("validation_failed", "The reason is too long.", { issues: [{ path: "reason", message: "At most 1000 characters." }] });
  return r;
}

/**
 * Propose a new policy version for a route. Every proposal runs the route's
 * policy tests first: a failing expectation records the version as "blocked"
 * and nothing changes. A widening (per comparePolicies) is stored "pending"
 * until a second admin approves it; anything else becomes active at once.
 * Each outcome is audited and fires `policy.changed` in the same transaction.
 */
export async function proposePolicyChange(input: ProposePolicyInput): Promise<PolicyChangeResult> {
  const reason = requireReason(input.reason);
  const proposed = parsePolicy(input.policy);
  return db().$transaction(async (tx) => {
    const { route, active, policy: current } = await loadActivePolicy(tx, input.route);
    if (canonicalJson(current) === canonicalJson(proposed)) {
      throw new AppError("conflict", "The proposed policy is the same as the active version.");
    }
    const tools = await loadToolMap(tx);
    const comparison = comparePolicies(current, proposed, kindsOf(tools));
    const results = checkExpectations(proposed, tools, route.name, await loadExpectations(tx, route.id));
    const failing = results.filter((r) => !r.ok);
    const status: PolicyChangeStatus = failing.length ? "blocked" : comparison.widening.length ? "pending" : "active";

    const last = await tx.policyVersion.findFirst({ where: { routeId: route.id }, orderBy: { version: "desc" } });
    const version = (last?.version ?? 0) + 1;
    const row = await tx.policyVersion.create({
      data: {
        routeId: route.id,
        version,
        policy: JSON.stringify(proposed),
        // Created pending/blocked; activation below flips it in the same tx.
        status: status === "active" ? "pending" : status,
        authorId: input.actorId,
        reason: input.rollbackOf ? `Rollback to v${input.rollbackOf}: ${reason}` : reason,
      },
    });
    if (status === "active") await activateVersion(tx, route.id, active.id, row.id, version);

    const auditType = status === "blocked" ? "policy.blocked" : status === "pending" ? "policy.proposed" : "policy.changed";
    await appendAudit(tx, {
      type: auditType,
      actorType: "user",
      actorId: input.actorId,
      requestId: input.requestId ?? null,
      route: route.name,
      status,
      reason: row.reason,
      data: {
        version,
        previous_version: active.version,
        widening: comparison.widening,
        narrowing: comparison.narrowing,
        neutral: comparison.neutral,
        failing: failing.map((f) => f.message),
        ...(input.rollbackOf ? { rollback_of: input.rollbackOf } : {}),
      },
    });
    await enqueueWebhookEvent(tx, "policy.changed", {
      route: route.name,
      version,
      status,
      active_version: status === "active" ? version : active.version,
      widening: comparison.widening,
      narrowing: comparison.narrowing,
    });
    return {
      id: row.id,
      route: route.name,
      version,
      status,
      comparison,
      failing,
      unknownTools: unknownTools(proposed, tools.keys()),
    };
  });
}

/** Policy for display when the stored text might not parse (history view). */
export function parseStoredPolicy(text: string): Policy | null {
  try {
    return parsePolicy(text);
  } catch {
    return null;
  }
}
