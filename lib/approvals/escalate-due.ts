import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { parsePolicy } from "@/lib/policy/policy-schema";

/**
 * Re-notify reviewers about actions still pending after their route policy's
 * `approval.escalate_after_seconds` (the policy version they were proposed
 * under): an `action.escalated` webhook and an audit event, once per action
 * (Action.escalatedAt). Safe on every instance: the UPDATE only matches an
 * unescalated pending row, so exactly one sweep sends it. Returns how many.
 */
export async function escalateDueActions(now = new Date(), limit = 200): Promise<number> {
  const candidates = await db().action.findMany({
    where: { status: "pending", escalatedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
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
        tenantId: a.tenantId,
        env: a.env,
        route: a.routeName,
        tool: a.tool,
        argsHash: a.argsHash,
        idempotencyKey: a.idempotencyKey,
        credentialScope: `${a.tenantId}/${a.env}`,
        actionId: a.id,
        runId: a.runId,
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
