import "server-only";
import type { Sql } from "@/lib/db/types";

const ANY_DUE = `SELECT 1 AS "due" FROM "BreakGlassSession" WHERE "endedAt" IS NULL AND "expiresAt" <= ? LIMIT 1`;

/** Whether any open break-glass session has expired by `now`. */
export async function anyBreakGlassSessionExpired(sql: Sql, now: Date): Promise<boolean> {
  return (await sql.get(ANY_DUE, [now])) !== undefined;
}
