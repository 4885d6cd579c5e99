import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { asDate, asNumber } from "@/lib/db/decode";

/** A route with its active policy version's row (null fields when that version is missing). */
export type RouteWithActivePolicy = {
  id: string;
  name: string;
  activeVersion: number;
  breakerState: string;
  versionId: string | null;
  policy: string | null;
  status: string | null;
};

const WITH_ACTIVE_POLICY = `SELECT r."id", r."name", r."activeVersion", r."breakerState", v."id" AS "versionId", v."policy", v."status"
  FROM "Route" r LEFT JOIN "PolicyVersion" v ON v."routeId" = r."id" AND v."version" = r."activeVersion"
  WHERE r."name" = ?`;

/** The route of this name joined to its active policy version, in one statement. */
export async function findRouteWithActivePolicy(exec: Exec, name: string): Promise<RouteWithActivePolicy | null> {
  const row = await asSql(exec).get<Omit<RouteWithActivePolicy, "activeVersion"> & { activeVersion: unknown }>(WITH_ACTIVE_POLICY, [name]);
  return row ? { ...row, activeVersion: asNumber(row.activeVersion) } : null;
}

export type RouteBreaker = {
  name: string;
  breakerState: string;
  breakerCount: number;
  breakerWindowStart: Date | null;
  breakerThreshold: number;
  breakerWindowSeconds: number;
};

const LOCK = `UPDATE "Route" SET "breakerCount" = "breakerCount" WHERE "id" = ?`;
const BREAKER = `SELECT "name", "breakerState", "breakerCount", "breakerWindowStart", "breakerThreshold", "breakerWindowSeconds" FROM "Route" WHERE "id" = ?`;
const SET_BREAKER = `UPDATE "Route" SET "breakerCount" = ?, "breakerWindowStart" = ?,
     "breakerState" = CASE WHEN ? THEN 'open' ELSE "breakerState" END,
     "breakerOpenedAt" = CASE WHEN ? THEN ? ELSE "breakerOpenedAt" END
   WHERE "id" = ?`;

/**
 * The route's breaker state, read after touching the row: on Postgres that
 * takes its lock, so concurrent failures count one after another instead of
 * overwriting each other.
 */
export async function lockRouteBreaker(exec: Exec, routeId: string): Promise<RouteBreaker | null> {
  const sql = asSql(exec);
  await sql.run(LOCK, [routeId]);
  const row = await sql.get<Record<keyof RouteBreaker, unknown>>(BREAKER, [routeId]);
  if (!row) return null;
  return {
    name: row.name as string,
    breakerState: row.breakerState as string,
    breakerCount: asNumber(row.breakerCount),
    breakerWindowStart: asDate(row.breakerWindowStart),
    breakerThreshold: asNumber(row.breakerThreshold),
    breakerWindowSeconds: asNumber(row.breakerWindowSeconds),
  };
}

/** Store the breaker's new count and window; `opens` also opens it (at `now`). */
export function setRouteBreaker(exec: Exec, routeId: string, b: { count: number; windowStart: Date; opens: boolean; now: Date }): Promise<number> {
  return asSql(exec).run(SET_BREAKER, [b.count, b.windowStart, b.opens, b.opens, b.now, routeId]);
}
