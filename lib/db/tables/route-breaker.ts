import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { asDate, asNumber } from "@/lib/db/decode";

/** Whose breaker: one route, one tenant, one environment (`*`/`*`: route-wide, carried over). */
export type BreakerScope = { tenantId: string; env: string };

/** The scope of a route-wide breaker; it applies to every tenant and environment. */
export const ROUTE_WIDE: BreakerScope = { tenantId: "*", env: "*" };

export type BreakerRow = {
  routeId: string;
  tenantId: string;
  env: string;
  state: string;
  count: number;
  windowStart: Date | null;
  openedAt: Date | null;
  updatedAt: Date | null;
};

/** The route's settings and one scope's state, as the failure counter reads them. */
export type LockedBreaker = BreakerRow & { routeName: string; threshold: number; windowSeconds: number };

const ENSURE = `INSERT INTO "RouteBreaker" ("routeId", "tenantId", "env", "state", "count", "updatedAt") VALUES (?, ?, ?, 'closed', 0, ?)
  ON CONFLICT ("routeId", "tenantId", "env") DO NOTHING`;
const LOCK = `UPDATE "RouteBreaker" SET "count" = "count" WHERE "routeId" = ? AND "tenantId" = ? AND "env" = ?`;
const LOCKED = `SELECT b."routeId", b."tenantId", b."env", b."state", b."count", b."windowStart", b."openedAt", b."updatedAt",
    r."name" AS "routeName", r."breakerThreshold" AS "threshold", r."breakerWindowSeconds" AS "windowSeconds"
  FROM "RouteBreaker" b JOIN "Route" r ON r."id" = b."routeId"
  WHERE b."routeId" = ? AND b."tenantId" = ? AND b."env" = ?`;
const SET = `UPDATE "RouteBreaker" SET "count" = ?, "windowStart" = ?, "updatedAt" = ?,
     "state" = CASE WHEN ? THEN 'open' ELSE "state" END,
     "openedAt" = CASE WHEN ? THEN ? ELSE "openedAt" END
   WHERE "routeId" = ? AND "tenantId" = ? AND "env" = ?`;
const RESET = `UPDATE "RouteBreaker" SET "state" = 'closed', "count" = 0, "windowStart" = NULL, "openedAt" = NULL, "updatedAt" = ?
   WHERE "routeId" = ? AND "tenantId" = ? AND "env" = ?`;
const ONE = `SELECT "routeId", "tenantId", "env", "state", "count", "windowStart", "openedAt", "updatedAt" FROM "RouteBreaker"
  WHERE "routeId" = ? AND "tenantId" = ? AND "env" = ?`;
const OF_ROUTE = `SELECT "routeId", "tenantId", "env", "state", "count", "windowStart", "openedAt", "updatedAt" FROM "RouteBreaker"
  WHERE "routeId" = ? ORDER BY "state" DESC, "tenantId", "env"`;
const OPEN = `SELECT "routeId", "tenantId", "env", "state", "count", "windowStart", "openedAt", "updatedAt" FROM "RouteBreaker"
  WHERE "state" = 'open' ORDER BY "routeId", "tenantId", "env"`;

function decode(row: Record<string, unknown>): BreakerRow {
  return {
    routeId: row.routeId as string,
    tenantId: row.tenantId as string,
    env: row.env as string,
    state: row.state as string,
    count: asNumber(row.count),
    windowStart: asDate(row.windowStart),
    openedAt: asDate(row.openedAt),
    updatedAt: asDate(row.updatedAt),
  };
}

/**
 * One scope's breaker with the route's settings, after creating it if new and
 * touching its row: on Postgres that takes the row lock, so concurrent
 * failures in one scope count one after another; other scopes never wait.
 */
export async function lockRouteBreaker(exec: Exec, routeId: string, scope: BreakerScope, now: Date): Promise<LockedBreaker | null> {
  const sql = asSql(exec);
  const key = [routeId, scope.tenantId, scope.env];
  await sql.run(ENSURE, [...key, now]);
  await sql.run(LOCK, key);
  const row = await sql.get<Record<string, unknown>>(LOCKED, key);
  if (!row) return null;
  return { ...decode(row), routeName: row.routeName as string, threshold: asNumber(row.threshold), windowSeconds: asNumber(row.windowSeconds) };
}

/** Store one scope's new count and window; `opens` also opens it (at `now`). */
export function setRouteBreaker(exec: Exec, routeId: string, scope: BreakerScope, b: { count: number; windowStart: Date; opens: boolean; now: Date }): Promise<number> {
  return asSql(exec).run(SET, [b.count, b.windowStart, b.now, b.opens, b.opens, b.now, routeId, scope.tenantId, scope.env]);
}

/** Close one scope's breaker (count 0); the number of rows changed (0: no such breaker). */
export function resetRouteBreaker(exec: Exec, routeId: string, scope: BreakerScope, now: Date): Promise<number> {
  return asSql(exec).run(RESET, [now, routeId, scope.tenantId, scope.env]);
}

/** One scope's breaker as stored, or null when it never counted anything. */
export async function findRouteBreaker(exec: Exec, routeId: string, scope: BreakerScope): Promise<BreakerRow | null> {
  const row = await asSql(exec).get<Record<string, unknown>>(ONE, [routeId, scope.tenantId, scope.env]);
  return row ? decode(row) : null;
}

/** Every scope's breaker on one route, open ones first. */
export async function listRouteBreakers(exec: Exec, routeId: string): Promise<BreakerRow[]> {
  return (await asSql(exec).all<Record<string, unknown>>(OF_ROUTE, [routeId])).map(decode);
}

/** Every open breaker, of any route and scope. */
export async function listOpenBreakers(exec: Exec): Promise<BreakerRow[]> {
  return (await asSql(exec).all<Record<string, unknown>>(OPEN)).map(decode);
}
