import "server-only";
import type { db, Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parsePolicy, parseStoredPolicy } from "@/lib/policy/policy-schema";
import type { Policy } from "@/lib/policy/types";
import { EXPECTATION_KINDS, type Expectation } from "@/lib/policy/expectations";

/** A route's expectations from the PolicyTest table. */
export async function loadExpectations(tx: Tx | ReturnType<typeof db>, routeId: string): Promise<Expectation[]> {
  const rows = await tx.policyTest.findMany({ where: { routeId }, orderBy: { createdAt: "asc" } });
  return rows.filter((r) => (EXPECTATION_KINDS as readonly string[]).includes(r.expect)).map((r) => ({ tool: r.tool, expect: r.expect as Expectation["expect"] }));
}

/** The route row and its parsed active policy; 404 when the route does not exist. */
export async function loadActivePolicy(tx: Tx, routeName: string) {
  const route = await tx.route.findUnique({ where: { name: routeName } });
  if (!route) throw new AppError("not_found", `No route named ${routeName}.`);
  const active = await tx.policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  if (!active || active.status !== "active") throw new AppError("conflict", `The route ${routeName} has no readable active policy.`);
  return { route, active, policy: parsePolicy(active.policy) };
}

/** A version still waiting for a second admin, with its route; 404 when unknown, 409 when already decided. */
export async function loadPendingVersion(tx: Tx, versionId: string) {
  const v = await tx.policyVersion.findUnique({ where: { id: versionId } });
  if (!v) throw new AppError("not_found", "No such policy version.");
  if (v.status !== "pending") throw new AppError("conflict", `This policy version is ${v.status}, not pending.`);
  const route = await tx.route.findUniqueOrThrow({ where: { id: v.routeId } });
  return { v, route };
}

/** Make `versionId` the route's active version: the previous one is superseded in the same transaction. */
export async function activateVersion(tx: Tx, routeId: string, previousActiveId: string, versionId: string, version: number): Promise<void> {
  // Conditional: the version this change was judged against must still be the active one. Under PostgreSQL's
  // READ COMMITTED a concurrent change can commit between this transaction's reads; the row lock taken here
  // makes the later transaction see that commit and refuse (409) instead of activating on top of it.
  const superseded = await tx.policyVersion.updateMany({ where: { id: previousActiveId, status: "active" }, data: { status: "superseded" } });
  if (superseded.count !== 1) throw new AppError("conflict", "Another change to this route was applied meanwhile; reload and try again.", { reason: "stale_base" });
  await tx.policyVersion.update({ where: { id: versionId }, data: { status: "active" } });
  await tx.route.update({ where: { id: routeId }, data: { activeVersion: version } });
}

/** One version's policy by number (any status); null when missing or unreadable. */
export async function loadVersionPolicy(tx: Tx, routeId: string, version: number): Promise<Policy | null> {
  const v = await tx.policyVersion.findUnique({ where: { routeId_version: { routeId, version } } });
  return v ? parseStoredPolicy(v.policy) : null;
}
