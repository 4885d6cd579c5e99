import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parseStoredPolicy } from "@/lib/policy/policy-schema";
import { comparePolicies, lostCells, type CellChange, type PolicyComparison } from "@/lib/policy/semantic-diff";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { loadExpectations } from "@/lib/policy-changes/policy-versions";
import { dryRunPolicy, type DryRunResult } from "@/lib/policy-changes/dry-run-policy";

export type PolicyChangeReview = {
  id: string;
  route: string;
  version: number;
  status: string;
  baseVersion: number | null;
  activeVersion: number;
  /** True when the route moved on since the change was proposed: approval is refused until the author rebases. */
  stale: boolean;
  /** Against the version active now: the changed cells a second admin approves. */
  comparison: PolicyComparison;
  /** When stale: the cells of the newer active version that approving would undo. */
  lost: CellChange[];
  /** Every policy test of the route against the proposed version. */
  expectations: ExpectationResult[];
  dryRun: DryRunResult;
};

/** What the second admin sees before approving: changed cells, the base check, the policy tests and a dry-run. Read-only. */
export async function reviewPolicyChange(versionId: string): Promise<PolicyChangeReview> {
  const v = await db().policyVersion.findUnique({ where: { id: versionId } });
  if (!v) throw new AppError("not_found", "No such policy version.");
  const route = await db().route.findUniqueOrThrow({ where: { id: v.routeId } });
  const proposed = parseStoredPolicy(v.policy);
  const active = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  const current = parseStoredPolicy(active?.policy ?? "");
  if (!proposed || !current) throw new AppError("conflict", "This version or the active one cannot be read.");
  const tools = await loadToolMap(db());
  const stale = v.status === "pending" && v.baseVersion !== route.activeVersion;
  const baseRow = stale && v.baseVersion !== null ? await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: v.baseVersion } } }) : null;
  const base = baseRow ? parseStoredPolicy(baseRow.policy) : null;
  return {
    id: v.id,
    route: route.name,
    version: v.version,
    status: v.status,
    baseVersion: v.baseVersion,
    activeVersion: route.activeVersion,
    stale,
    comparison: comparePolicies(current, proposed, tools),
    lost: base ? lostCells(base, current, proposed, tools) : [],
    expectations: checkExpectations(proposed, tools, route.name, await loadExpectations(db(), route.id)),
    dryRun: await dryRunPolicy({ route: route.name, policy: proposed }),
  };
}
