import "server-only";
import { db } from "@/lib/db/client";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parseStoredPolicy } from "@/lib/policy/policy-schema";
import { loadExpectations } from "@/lib/policy-changes/policy-versions";

export type RouteTestRun = { route: string; version: number; readable: boolean; results: ExpectationResult[] };

/** Run every route's policy tests against its active version ("run all"). */
export async function runAllPolicyTests(): Promise<RouteTestRun[]> {
  const routes = await db().route.findMany({ orderBy: { name: "asc" } });
  const tools = await loadToolMap(db());
  const out: RouteTestRun[] = [];
  for (const r of routes) {
    const v = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: r.id, version: r.activeVersion } } });
    const policy = parseStoredPolicy(v?.policy ?? "");
    out.push({ route: r.name, version: r.activeVersion, readable: !!policy, results: policy ? checkExpectations(policy, tools, r.name, await loadExpectations(db(), r.id)) : [] });
  }
  return out;
}
