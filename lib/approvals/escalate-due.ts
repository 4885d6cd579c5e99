import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { anyActionDueForEscalation } from "@/lib/db/tables/action";
import { policyVersionIds } from "@/lib/db/tables/policy-version";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { actionAuditFields } from "@/lib/actions/action-audit";

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
        data: { pending_seconds: pendingFor, escalate_after_seconds: seconds },
      });
      return true;
    });
    if (done) sent++;
  }
  return sent;
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
