import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parsePolicy, parseStoredPolicy, requireReason } from "@/lib/policy/policy-schema";
import { checkConditions } from "@/lib/policy/conditions";
import { comparePolicies, type PolicyComparison } from "@/lib/policy/semantic-diff";
import { checkExpectations, type ExpectationResult } from "@/lib/policy/expectations";
import { canonicalJson } from "@gatehouse-dev/sdk";
import { BUNDLE_FORMAT, type BundleRoute, type PolicyBundle } from "@/lib/policy-bundle/bundle";
import { proposeInTx, withRaceAsConflict, type PolicyChangeResult } from "@/lib/policy-changes/propose-policy-change";
import { addPolicyTestInTx, requestPolicyTestDeletionInTx } from "@/lib/policy-changes/manage-policy-tests";

/** Export every route's active policy and tests, and the catalog, as one bundle. */
export async function exportBundle(): Promise<PolicyBundle> {
  const routes = await db().route.findMany({ orderBy: { name: "asc" } });
  const tools = await loadToolMap(db());
  const out: BundleRoute[] = [];
  for (const r of routes) {
    const v = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: r.id, version: r.activeVersion } } });
    const policy = parseStoredPolicy(v?.policy ?? "");
    if (!policy) continue;
    const tests = await db().policyTest.findMany({ where: { routeId: r.id }, orderBy: { createdAt: "asc" } });
    out.push({
      name: r.name,
      version: r.activeVersion,
      policy,
      tests: tests.map((t) => ({ tool: t.tool, expect: t.expect as BundleRoute["tests"][number]["expect"], ...(t.note ? { note: t.note } : {}) })),
    });
  }
  return { gatehouse_bundle: BUNDLE_FORMAT, exported_at: new Date().toISOString(), routes: out, catalog: [...tools.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

const testKey = (t: { tool: string; expect: string }) => `${t.tool} ${t.expect}`;

export type RouteDiff = {
  route: string;
  bundleVersion: number;
  activeVersion: number;
  /** The route moved on since the export: apply would be refused for this route. */
  stale: boolean;
  policyChanged: boolean;
  comparison: PolicyComparison;
  testsAdded: string[];
  testsRemoved: string[];
};

async function routeState(name: string) {
  const route = await db().route.findUnique({ where: { name } });
  if (!route) throw new AppError("not_found", `No route named ${name}.`);
  const v = await db().policyVersion.findUnique({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
  const active = parseStoredPolicy(v?.policy ?? "");
  if (!active) throw new AppError("conflict", `The route ${name} has no readable active policy.`);
  const tests = await db().policyTest.findMany({ where: { routeId: route.id } });
  return { route, active, tests };
}

/** What applying the bundle would change, per route: the changed cells (semantic diff against the active version) and the tests. */
export async function diffBundle(b: PolicyBundle): Promise<RouteDiff[]> {
  const tools = await loadToolMap(db());
  const out: RouteDiff[] = [];
  for (const r of b.routes) {
    const { route, active, tests } = await routeState(r.name);
    const proposed = parsePolicy(r.policy);
    const have = new Set(tests.map(testKey));
    const want = new Set(r.tests.map(testKey));
    out.push({
      route: r.name,
      bundleVersion: r.version,
      activeVersion: route.activeVersion,
      stale: r.version !== route.activeVersion,
      policyChanged: canonicalJson(active) !== canonicalJson(proposed),
      comparison: comparePolicies(active, proposed, tools),
      testsAdded: [...want].filter((k) => !have.has(k)),
      testsRemoved: [...have].filter((k) => !want.has(k)),
    });
  }
  return out;
}

export type RouteTestResult = { route: string; results: ExpectationResult[]; issues: { path: string; message: string }[] };

/** Run each route's bundle tests against the bundle's policy with the engine and catalog of this instance. Read-only. */
export async function testBundle(b: PolicyBundle): Promise<RouteTestResult[]> {
  const tools = await loadToolMap(db());
  return b.routes.map((r) => {
    const policy = parsePolicy(r.policy);
    return { route: r.name, results: checkExpectations(policy, tools, r.name, r.tests), issues: checkConditions(policy, tools) };
  });
}

export type RouteApply = {
  route: string;
  policy: PolicyChangeResult | null;
  testsAdded: string[];
  /** Deletions are requests: a second admin approves them in the console. */
  testDeletionsRequested: string[];
  /** Set when nothing of this route was applied (its tests, policy, deletions) because another route of the bundle was blocked. */
  notApplied?: "bundle_blocked";
};

/** Thrown inside the bundle's transaction to roll it back when a route is blocked; carries what was found. */
class BundleBlocked extends Error {
  constructor(readonly routes: RouteApply[]) {
    super("bundle blocked");
  }
}

/**
 * Apply a bundle through exactly the console's rules, all or nothing: per route,
 * new tests are added first (they guard the change), a changed policy is
 * proposed against the version the bundle was exported at (refused when the
 * route moved on), judged by the semantic diff (a widening stays pending for a
 * second admin in the console) and blocked by a failing test; removed tests
 * become deletion requests. Every route is checked before anything is written
 * and the whole bundle is one transaction, so a refusal (4xx) changes nothing.
 * When a route is blocked, nothing is applied and only the blocked proposals
 * are recorded (as the console records one). The catalog in the bundle is
 * informational: catalog changes go through the catalog's own review.
 */
export async function applyBundle(b: PolicyBundle, ctx: { actorId: string; requestId?: string | null; reason: string }): Promise<RouteApply[]> {
  const diffs = await diffBundle(b);
  const stale = diffs.filter((d) => d.stale && (d.policyChanged || d.testsAdded.length || d.testsRemoved.length));
  if (stale.length) {
    throw new AppError(
      "conflict",
      `Routes moved on since the export: ${stale.map((d) => `${d.route} (v${d.bundleVersion} → v${d.activeVersion})`).join(", ")}. Export again and redo the edit.`,
      {
        reason: "stale_base",
        extra: { routes: stale.map((d) => ({ route: d.route, bundle_version: d.bundleVersion, active_version: d.activeVersion })) },
      },
    );
  }
  // The proposal's own argument-condition check (proposeInTx), for every route, before any write.
  const tools = await loadToolMap(db());
  const conditionIssues = b.routes.flatMap((r, i) =>
    diffs[i]!.policyChanged ? checkConditions(parsePolicy(r.policy), tools).map((x) => ({ path: `routes.${i}.policy.${x.path}`, message: `${r.name}: ${x.message}` })) : [],
  );
  if (conditionIssues.length) throw new AppError("validation_failed", "A condition does not fit its tool's arguments.", { issues: conditionIssues });

  const reason = requireReason(ctx.reason);
  const added = (r: BundleRoute, d: RouteDiff) => r.tests.filter((t) => d.testsAdded.includes(testKey(t)));
  try {
    return await withRaceAsConflict(() =>
      db().$transaction(async (tx) => {
        const out: RouteApply[] = [];
        for (const [i, r] of b.routes.entries()) {
          const d = diffs[i]!;
          const route = await tx.route.findUniqueOrThrow({ where: { name: r.name } });
          const tests = await tx.policyTest.findMany({ where: { routeId: route.id } });
          for (const t of added(r, d)) await addPolicyTestInTx(tx, { route: r.name, tool: t.tool, expect: t.expect, note: t.note ?? "" }, ctx);
          const policy = d.policyChanged ? await proposeInTx(tx, proposal(r, ctx), reason, parsePolicy(r.policy)) : null;
          const removed: string[] = [];
          for (const t of tests.filter((x) => d.testsRemoved.includes(testKey(x)) && !x.deleteRequestedById)) {
            await requestPolicyTestDeletionInTx(tx, t.id, ctx.reason, ctx);
            removed.push(testKey(t));
          }
          out.push({ route: r.name, policy, testsAdded: d.testsAdded, testDeletionsRequested: removed });
        }
        if (out.some((r) => r.policy?.status === "blocked")) throw new BundleBlocked(out);
        return out;
      }),
    );
  } catch (err) {
    if (!(err instanceof BundleBlocked)) throw err;
    // Rolled back. Record only the blocked proposals, judged with the tests the bundle would have added.
    const blocked = new Set(err.routes.filter((r) => r.policy?.status === "blocked").map((r) => r.route));
    return withRaceAsConflict(() =>
      db().$transaction(async (tx) => {
        const out: RouteApply[] = [];
        for (const [i, r] of b.routes.entries()) {
          if (!blocked.has(r.name)) {
            out.push({ route: r.name, policy: null, testsAdded: [], testDeletionsRequested: [], notApplied: "bundle_blocked" });
            continue;
          }
          const addedExpectations = added(r, diffs[i]!).map((t) => ({ tool: t.tool, expect: t.expect }));
          const policy = await proposeInTx(tx, { ...proposal(r, ctx), addedExpectations }, reason, parsePolicy(r.policy));
          if (policy.status !== "blocked") throw new AppError("conflict", "The routes changed while the bundle was applied; export again and retry.", { reason: "stale_base" });
          out.push({ route: r.name, policy, testsAdded: [], testDeletionsRequested: [] });
        }
        return out;
      }),
    );
  }
}

const proposal = (r: BundleRoute, ctx: { actorId: string; requestId?: string | null; reason: string }) => ({
  route: r.name,
  policy: r.policy,
  reason: ctx.reason,
  actorId: ctx.actorId,
  requestId: ctx.requestId,
  baseVersion: r.version,
});
