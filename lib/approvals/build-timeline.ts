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

/**
 * An action's history straight from the audit log (proposed, votes, token
 * minted, redeemed, result), in chain order. The log is the source of truth,
 * so the timeline shows what was recorded, not what the Action row says now.
 */
export async function buildTimeline(actionId: string): Promise<TimelineEntry[]> {
  const events = await db().auditEvent.findMany({ where: { actionId }, orderBy: { seq: "asc" }, take: 500 });
  const userIds = [...new Set(events.filter((e) => e.actorType === "user" && e.actorId).map((e) => e.actorId!))];
  const credIds = [...new Set(events.filter((e) => e.actorType === "agent" && e.actorId).map((e) => e.actorId!))];
  const [users, creds] = await Promise.all([
    userIds.length ? db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true, name: true } }) : [],
    credIds.length ? db().agentCredential.findMany({ where: { id: { in: credIds } }, select: { id: true, name: true } }) : [],
  ]);
  const actorName = (type: string, id: string | null): string => {
    if (type === "system" || !id) return type === "system" ? "system" : "unknown";
    if (type === "user") {
      const u = users.find((x) => x.id === id);
      return u ? u.name || u.email : id;
    }
    if (type === "agent") return creds.find((c) => c.id === id)?.name ?? id;
    return id;
  };
  return events.map((e) => ({
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
}
