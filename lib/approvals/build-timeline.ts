import "server-only";
import { db } from "@/lib/db/client";

export type TimelineEntry = {
  seq: number;
  at: string;
  type: string;
  actorType: string;
  /** A person's name, an agent credential's name, or "system". */
  actor: string;
  /** The actor's id (user id, credential id), shown on hover; null for the system. */
  actorId: string | null;
  status: string | null;
  reason: string | null;
  jti: string | null;
  breakGlassSessionId: string | null;
  durationMs: number | null;
};

/** An action's timeline: its first and last events, and how many between them are left out (the audit log has them all). */
export type Timeline = { entries: TimelineEntry[]; omitted: { afterSeq: number; count: number } | null };

/** Events shown from the start and from the end of a long timeline (refused votes and re-mints can make one long). */
const HEAD = 250;
const TAIL = 250;

/** Names of Gatehouse's own actors in the audit log (actorType "system"), as a reviewer reads them. */
const SYSTEM_ACTORS: Record<string, string> = { "mcp-gateway": "Gatehouse (MCP gateway)", "tool-service": "the tool service" };

/**
 * An action's history straight from the audit log (proposed, votes, token
 * minted, redeemed, result), in chain order. The log is the source of truth,
 * so the timeline shows what was recorded, not what the Action row says now.
 * A long one keeps its first and its last events (how it began, how it ended)
 * and says how many between them it leaves to the audit log.
 */
export async function buildTimeline(actionId: string): Promise<Timeline> {
  // scope-guard: called only for an action already read through scopeWhere (getActionDetail)
  const head = await db().auditEvent.findMany({ where: { actionId }, orderBy: { seq: "asc" }, take: HEAD + TAIL + 1 });
  let events = head;
  let omitted: Timeline["omitted"] = null;
  if (head.length > HEAD + TAIL) {
    const [tail, total] = await Promise.all([
      // scope-guard: the same action's events
      db().auditEvent.findMany({ where: { actionId }, orderBy: { seq: "desc" }, take: TAIL }),
      // scope-guard: the same action's events
      db().auditEvent.count({ where: { actionId } }),
    ]);
    events = [...head.slice(0, HEAD), ...tail.reverse()];
    omitted = { afterSeq: Number(head[HEAD - 1]!.seq), count: total - HEAD - TAIL };
  }
  const userIds = [...new Set(events.filter((e) => e.actorType === "user" && e.actorId).map((e) => e.actorId!))];
  const credIds = [...new Set(events.filter((e) => e.actorType === "agent" && e.actorId).map((e) => e.actorId!))];
  const [users, creds] = await Promise.all([
    userIds.length ? db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true, name: true } }) : [],
    // scope-guard: the agents named in this (scoped) action's own events
    credIds.length ? db().agentCredential.findMany({ where: { id: { in: credIds } }, select: { id: true, name: true } }) : [],
  ]);
  const actorName = (type: string, id: string | null): string => {
    // Gatehouse's own parts, by what they are: the MCP gateway runs approved calls, a tool service redeems tokens.
    if (type === "system") return id ? (SYSTEM_ACTORS[id] ?? "system") : "system";
    if (!id) return "unknown";
    if (type === "user") {
      const u = users.find((x) => x.id === id);
      return u ? u.name || u.email : id;
    }
    if (type === "agent") return creds.find((c) => c.id === id)?.name ?? id;
    return id;
  };
  const entries = events.map((e) => ({
    seq: Number(e.seq),
    at: e.at.toISOString(),
    type: e.type,
    actorType: e.actorType,
    actor: actorName(e.actorType, e.actorId),
    actorId: e.actorId,
    status: e.status,
    reason: e.reason,
    jti: e.jti,
    breakGlassSessionId: e.breakGlassSessionId,
    durationMs: e.durationMs,
  }));
  return { entries, omitted };
}
