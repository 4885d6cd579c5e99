import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { anyActionDueForEscalation } from "@/lib/db/tables/action";
import { policyVersionIds } from "@/lib/db/tables/policy-version";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { recordAsk, routingFor } from "@/lib/reviewer-groups/asks";
import { chainGroupAt, parseIdList, resolveRouting } from "@/lib/reviewer-groups/routing";

/**
 * Re-notify reviewers about actions still pending after their route policy's
 * `approval.escalate_after_seconds` (the policy version they were proposed
 * under): an `action.escalated` webhook and an audit event, once per action
 * (Action.escalatedAt). Safe on every instance: the UPDATE only matches an
 * unescalated pending row, so exactly one sweep sends it. Returns how many.
 */
export async function escalateDueActions(now = new Date(), limit = 200): Promise<number> {
  const shortest = await shortestEscalation();
  if (shortest === null) return 0;
  // Nothing younger than the shortest escalation delay can be due: with the
  // (status, escalatedAt, createdAt) index only those rows are read, not the whole queue
  // (with 50,000 pending this sweep took 13–32 ms of every second, the event loop stopped).
  const cutoff = new Date(now.getTime() - shortest * 1000);
  // Usually nothing is due: find that out with one raw read before any ORM query.
  if (!(await sqlRead((sql) => anyActionDueForEscalation(sql, cutoff)))) return 0;
  const candidates = await db().action.findMany({
    where: { status: "pending", escalatedAt: null, createdAt: { lte: cutoff }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  if (candidates.length === 0) return 0;
  const afterSeconds = new Map<string, number | null>();
  const escalateAfter = async (routeId: string, version: number): Promise<number | null> => {
    const key = `${routeId}:${version}`;
    if (!afterSeconds.has(key)) {
      const pv = await db().policyVersion.findUnique({ where: { routeId_version: { routeId, version } } });
      let seconds: number | null = null;
      try {
        seconds = pv ? parsePolicy(pv.policy).approval.escalate_after_seconds : null;
      } catch {
        seconds = null; // an unreadable policy: the action will be denied at decision time anyway
      }
      afterSeconds.set(key, seconds);
    }
    return afterSeconds.get(key) ?? null;
  };

  let sent = 0;
  for (const a of candidates) {
    const seconds = await escalateAfter(a.routeId, a.policyVersion);
    if (seconds === null || a.createdAt.getTime() + seconds * 1000 > now.getTime()) continue;
    const done = await db().$transaction(async (tx) => {
      const changed = await tx.action.updateMany({ where: { id: a.id, status: "pending", escalatedAt: null }, data: { escalatedAt: now } });
      if (changed.count !== 1) return false;
      const pendingFor = Math.round((now.getTime() - a.createdAt.getTime()) / 1000);
      // With a reviewer group on the route, the chain's first group is asked (else the route's own group again).
      const routing = await routingFor(a, tx);
      const asked = routing ? (chainGroupAt(routing, 1) ?? routing.groupId) : null;
      if (asked) await recordAsk(tx, { actionId: a.id, reason: "escalated", level: 1, groupId: asked, at: now });
      await enqueueWebhookEvent(tx, "action.escalated", {
        action_id: a.id,
        tenant: a.tenantId,
        env: a.env,
        route: a.routeName,
        tool: a.tool,
        summary: a.summary,
        status: "pending",
        pending_seconds: pendingFor,
        expires_at: a.expiresAt?.toISOString() ?? null,
      });
      await appendAudit(tx, {
        type: "action.escalated",
        actorType: "system",
        ...actionAuditFields(a),
        status: "pending",
        reason: "escalated",
        data: { pending_seconds: pendingFor, escalate_after_seconds: seconds, level: 1, ...(asked ? { asked_group_id: asked } : {}) },
      });
      return true;
    });
    if (done) sent++;
  }
  return sent;
}

/**
 * The chain's later steps: an escalated action still pending one more
 * `escalate_after_seconds` later asks the chain's next group (level 2, 3, …),
 * once each (the ActionAsk unique), with an `action.escalated` audit event
 * naming it. Only routes with a chain longer than one step are read.
 */
export async function advanceEscalationChains(now = new Date(), limit = 200): Promise<number> {
  const rows = (await db().routeReviewers.findMany()).filter((r) => parseIdList(r.escalationChain).length > 1);
  if (!rows.length) return 0;
  const candidates = await db().action.findMany({
    where: { status: "pending", escalatedAt: { not: null }, routeName: { in: [...new Set(rows.map((r) => r.routeName))] }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  let asked = 0;
  for (const a of candidates) {
    const r = resolveRouting(rows, a.routeName, a.tenantId);
    if (!r) continue;
    const chain = parseIdList(r.escalationChain);
    const seconds = await delayOf(a.routeId, a.policyVersion);
    if (!seconds) continue;
    const last = await db().actionAsk.findFirst({ where: { actionId: a.id, reason: "escalated" }, orderBy: { level: "desc" }, select: { level: true } });
    const level = (last?.level ?? 1) + 1;
    const group = chainGroupAt({ escalationChain: chain }, level);
    if (!group || a.createdAt.getTime() + level * seconds * 1000 > now.getTime()) continue;
    const done = await db().$transaction(async (tx) => {
      if (!(await recordAsk(tx, { actionId: a.id, reason: "escalated", level, groupId: group, at: now }))) return false;
      await appendAudit(tx, {
        type: "action.escalated",
        actorType: "system",
        ...actionAuditFields(a),
        status: "pending",
        reason: "escalated",
        data: { pending_seconds: Math.round((now.getTime() - a.createdAt.getTime()) / 1000), escalate_after_seconds: seconds, level, asked_group_id: group },
      });
      return true;
    });
    if (done) asked++;
  }
  return asked;
}

const delayOfVersion = new Map<string, number | null>();
async function delayOf(routeId: string, version: number): Promise<number | null> {
  const key = `${routeId}:${version}`;
  if (!delayOfVersion.has(key)) {
    const pv = await db().policyVersion.findUnique({ where: { routeId_version: { routeId, version } } });
    let seconds: number | null = null;
    try {
      seconds = pv ? parsePolicy(pv.policy).approval.escalate_after_seconds : null;
    } catch {
      seconds = null;
    }
    delayOfVersion.set(key, seconds);
  }
  return delayOfVersion.get(key) ?? null;
}

// Policy versions never change once written, so each one's delay is read once.
const delayByVersion = new Map<string, number | null>();

/** The shortest `approval.escalate_after_seconds` of any policy version; null when none escalates. */
async function shortestEscalation(): Promise<number | null> {
  const ids = await sqlRead((sql) => policyVersionIds(sql));
  const unknown = ids.filter((id) => !delayByVersion.has(id));
  if (unknown.length) {
    for (const pv of await db().policyVersion.findMany({ where: { id: { in: unknown } }, select: { id: true, policy: true } })) {
      let seconds: number | null = null;
      try {
        seconds = parsePolicy(pv.policy).approval.escalate_after_seconds;
      } catch {
        seconds = null; // unreadable: its actions are denied at decision time anyway
      }
      delayByVersion.set(pv.id, seconds);
    }
  }
  let shortest: number | null = null;
  for (const id of ids) {
    const s = delayByVersion.get(id);
    if (s !== null && s !== undefined && (shortest === null || s < shortest)) shortest = s;
  }
  return shortest;
}
