import "server-only";
import { db } from "@/lib/db/client";

/** Ids per query: a long list as one IN list would pass SQLite's parameter limit. */
const CHUNK = 500;

/**
 * Which of these action ids are still pending, read in chunks. For narrowing or widening a queue whose own `where`
 * keeps the viewer's scopes (the ids a viewer voted on, the actions asked of them).
 */
export async function pendingAmong(actionIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(actionIds)];
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    // scope-guard: the caller's queue query applies the viewer's scopes; this only says which ids are pending
    const rows = await db().action.findMany({ where: { id: { in: ids.slice(i, i + CHUNK) }, status: "pending" }, select: { id: true } });
    out.push(...rows.map((r) => r.id));
  }
  return out;
}
