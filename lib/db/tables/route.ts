import "server-only";
import type { Exec } from "@/lib/db/types";
import { asSql } from "@/lib/db/sql";
import { asNumber } from "@/lib/db/decode";

/** A route with its active policy version's row (null fields when that version is missing). */
export type RouteWithActivePolicy = {
  id: string;
  name: string;
  activeVersion: number;
  /** The breaker of the scope asked for, or a route-wide one, is open. */
  breakerOpen: boolean;
  versionId: string | null;
  policy: string | null;
  status: string | null;
};

const WITH_ACTIVE_POLICY = `SELECT r."id", r."name", r."activeVersion", v."id" AS "versionId", v."policy", v."status",
    CASE WHEN EXISTS (SELECT 1 FROM "RouteBreaker" b WHERE b."routeId" = r."id" AND b."state" = 'open'
      AND ((b."tenantId" = ? AND b."env" = ?) OR (b."tenantId" = '*' AND b."env" = '*'))) THEN 1 ELSE 0 END AS "breakerOpen"
  FROM "Route" r LEFT JOIN "PolicyVersion" v ON v."routeId" = r."id" AND v."version" = r."activeVersion"
  WHERE r."name" = ?`;

/**
 * The route of this name joined to its active policy version and whether the
 * breaker of this tenant and environment (or a route-wide one) is open, in one
 * statement (a primary-key probe of RouteBreaker).
 */
export async function findRouteWithActivePolicy(exec: Exec, name: string, scope: { tenantId: string; env: string }): Promise<RouteWithActivePolicy | null> {
  type Raw = Omit<RouteWithActivePolicy, "activeVersion" | "breakerOpen"> & { activeVersion: unknown; breakerOpen: unknown };
  const row = await asSql(exec).get<Raw>(WITH_ACTIVE_POLICY, [scope.tenantId, scope.env, name]);
  return row ? { ...row, activeVersion: asNumber(row.activeVersion), breakerOpen: asNumber(row.breakerOpen) === 1 } : null;
}
