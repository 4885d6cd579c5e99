import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { anyActionDueForEscalation } from "@/lib/db/tables/action";
import { policyVersionIds } from "@/lib/db/tables/policy-version";
import { appendAudit } from "@/lib/audit/append";
import type { Action, Tx } from "@/lib/db/types";
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
 *
 * One read per distinct delay, naming the policy versions that have it, so
 * every row read is due: older pending actions of a route that escalates
 * later never fill the batch ahead of a due one (at most `limit` a sweep).
 */
export async function escalateDueActions(now = new Date(), limit = 200): Promise<number> {
  const byDelay = new Map<number, Map<string, number[]>>();
  for (const v of await versionDelays()) {
    if (v.seconds === null) continue;
    const routes = byDelay.get(v.seconds) ?? new Map<string, number[]>();
    routes.set(v.routeId, [...(routes.get(v.routeId) ?? []), v.version]);
    byDelay.set(v.seconds, routes);
  }
  if (!byDelay.size) return 0;
  const delays = [...byDelay.keys()].sort((x, y) => x - y);
  // Nothing younger than the shortest escalation delay can be due: with the
  // (status, escalatedAt, createdAt) index only those rows are read, not the whole queue
  // (with 50,000 pending this sweep took 13–32 ms of every second, the event loop stopped).
  // Usually nothing is due: find that out with one raw read before any ORM query.
  if (!(await sqlRead((sql) => anyActionDueForEscalation(sql, new Date(now.getTime() - delays[0]! * 1000))))) return 0;
  let sent = 0;
  for (const seconds of delays) {
    if (sent >= limit) break;
    const versions = [...byDelay.get(seconds)!].map(([routeId, v]) => ({ routeId, policyVersion: { in: v } }));
    const candidates = await db().action.findMany({
      where: {
        status: "pending",
        escalatedAt: null,
        createdAt: { lte: new Date(now.getTime() - seconds * 1000) },
        AND: [{ OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }, { OR: versions }],
      },
      orderBy: { createdAt: "asc" },
      take: limit - sent,
    });
    for (const a of candidates) if (await escalate(a, seconds, now)) sent++;
  }
  return sent;
}

/** Escalate one due action (level 1), if nobody did meanwhile; true when this call did. */
async function escalate(a: Action, seconds: number, now: Date): Promise<boolean> {
  return db().$transaction(async (tx) => {
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
    await auditEscalated(tx, a, { now, seconds, level: 1, group: asked });
    return true;
  });
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
  const versions = await versionDelays();
  const delays = new Map(versions.map((v) => [`${v.routeId}:${v.version}`, v.seconds]));
  const known = versions.map((v) => v.seconds).filter((x): x is number => x !== null);
  if (!known.length) return 0;
  const base = {
    status: "pending",
    escalatedAt: { not: null },
    // A chain's second step is due two delays after the proposal at the earliest: younger actions are not read.
    createdAt: { lte: new Date(now.getTime() - 2 * Math.min(...known) * 1000) },
    routeName: { in: [...new Set(rows.map((r) => r.routeName))] },
    OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
  };
  // Every such action, in keyset chunks: those at the end of their chain (nothing left to ask) never hide a due one behind them.
  let asked = 0;
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const where: Record<string, unknown> = after ? { AND: [base, { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }] } : base;
    const chunk: Action[] = await db().action.findMany({ where, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: CHAIN_CHUNK });
    // One read of the chunk's escalation levels, not one per action.
    const levels = new Map<string, number>();
    const asks = chunk.length
      ? await db().actionAsk.findMany({ where: { actionId: { in: chunk.map((a) => a.id) }, reason: "escalated" }, select: { actionId: true, level: true } })
      : [];
    for (const k of asks) levels.set(k.actionId, Math.max(levels.get(k.actionId) ?? 0, k.level));
    for (const a of chunk) {
      if (asked >= limit) return asked;
      const r = resolveRouting(rows, a.routeName, a.tenantId);
      if (!r) continue;
      const chain = parseIdList(r.escalationChain);
      const seconds = delays.get(`${a.routeId}:${a.policyVersion}`);
      if (!seconds) continue;
      const level = (levels.get(a.id) ?? 1) + 1;
      const group = chainGroupAt({ escalationChain: chain }, level);
      if (!group || a.createdAt.getTime() + level * seconds * 1000 > now.getTime()) continue;
      const done = await db().$transaction(async (tx) => {
        if (!(await recordAsk(tx, { actionId: a.id, reason: "escalated", level, groupId: group, at: now }))) return false;
        await auditEscalated(tx, a, { now, seconds, level, group });
        return true;
      });
      if (done) asked++;
    }
    if (chunk.length < CHAIN_CHUNK) return asked;
    after = chunk.at(-1)!;
  }
}

/** The `action.escalated` event of one step (level 1 from escalateDueActions, 2… from the chain), naming the group asked if any. */
async function auditEscalated(tx: Tx, a: Action, e: { now: Date; seconds: number; level: number; group: string | null }): Promise<void> {
  await appendAudit(tx, {
    type: "action.escalated",
    actorType: "system",
    ...actionAuditFields(a),
    status: "pending",
    reason: "escalated",
    data: {
      pending_seconds: Math.round((e.now.getTime() - a.createdAt.getTime()) / 1000),
      escalate_after_seconds: e.seconds,
      level: e.level,
      ...(e.group ? { asked_group_id: e.group } : {}),
    },
  });
}

/** Escalated actions read per query of the chain sweep. */
const CHAIN_CHUNK = 200;

type VersionDelay = { routeId: string; version: number; seconds: number | null };
// Policy versions never change once written, so each one's delay is read once (by PolicyVersion id).
const delayByVersion = new Map<string, VersionDelay>();

/** Every policy version's `approval.escalate_after_seconds` (null for one that cannot be read: its actions are denied at decision time anyway). */
async function versionDelays(): Promise<VersionDelay[]> {
  const ids = await sqlRead((sql) => policyVersionIds(sql));
  const unknown = ids.filter((id) => !delayByVersion.has(id));
  if (unknown.length) {
    for (const pv of await db().policyVersion.findMany({ where: { id: { in: unknown } }, select: { id: true, routeId: true, version: true, policy: true } })) {
      let seconds: number | null = null;
      try {
        seconds = parsePolicy(pv.policy).approval.escalate_after_seconds;
      } catch {
        seconds = null;
      }
      delayByVersion.set(pv.id, { routeId: pv.routeId, version: pv.version, seconds });
    }
  }
  return ids.map((id) => delayByVersion.get(id)).filter((v): v is VersionDelay => !!v);
}
