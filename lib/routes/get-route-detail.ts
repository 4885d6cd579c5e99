import "server-only";
import { db } from "@/lib/db/client";
import { sqlRead } from "@/lib/db/sql";
import { listRouteBreakers } from "@/lib/db/tables/route-breaker";
import { AppError } from "@/lib/errors";
import { checkExpectations } from "@/lib/policy/expectations";
import { loadToolMap } from "@/lib/catalog/load-tool-map";
import { parseStoredPolicy } from "@/lib/policy/policy-schema";
import { loadExpectations } from "@/lib/policy-changes/policy-versions";
import type { Policy } from "@/lib/policy/types";

export type PolicyVersionRow = {
  id: string;
  version: number;
  status: string;
  policy: Policy | null;
  reason: string;
  author: string | null;
  authorId: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  createdAt: string;
  /** The active version it was proposed against (null for seeds). */
  baseVersion: number | null;
};

export type PolicyTestRow = {
  id: string;
  tool: string;
  expect: string;
  note: string;
  ok: boolean | null;
  message: string;
  /** A requested deletion waiting for a second admin (the test keeps running until then). */
  deleteRequestedById: string | null;
  deleteRequestedBy: string | null;
  deleteReason: string | null;
};

export type BreakerScopeView = { tenant: string; env: string; state: string; count: number; openedAt: string | null };

export type RouteDetail = {
  route: string;
  description: string;
  activeVersion: number;
  active: Policy | null;
  versions: PolicyVersionRow[];
  tests: PolicyTestRow[];
  tools: { name: string; kind: string }[];
  /** The route's settings and every scope's breaker (tenant + env; `*`/`*` route-wide), open ones first. */
  breaker: { threshold: number; windowSeconds: number; scopes: BreakerScopeView[] };
};

/** Everything the policy editor shows for one route: active policy, history with who/when/why, tests with their result now. */
export async function getRouteDetail(name: string): Promise<RouteDetail> {
  const route = await db().route.findUnique({ where: { name } });
  if (!route) throw new AppError("not_found", `No route named ${name}.`);
  const [versions, tests, tools, breakers] = await Promise.all([
    db().policyVersion.findMany({ where: { routeId: route.id }, orderBy: { version: "desc" } }),
    db().policyTest.findMany({ where: { routeId: route.id }, orderBy: { createdAt: "asc" } }),
    loadToolMap(db()),
    sqlRead((sql) => listRouteBreakers(sql, route.id)),
  ]);
  const userIds = [...new Set([...versions.flatMap((v) => [v.authorId, v.approvedById]), ...tests.map((t) => t.deleteRequestedById)].filter((x): x is string => !!x))];
  const users = new Map((await db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } })).map((u) => [u.id, u.email]));
  const active = parseStoredPolicy(versions.find((v) => v.version === route.activeVersion)?.policy ?? "");
  const results = active ? checkExpectations(active, tools, route.name, await loadExpectations(db(), route.id)) : [];
  return {
    route: route.name,
    description: route.description,
    activeVersion: route.activeVersion,
    active,
    versions: versions.map((v) => ({
      id: v.id,
      version: v.version,
      status: v.status,
      policy: parseStoredPolicy(v.policy),
      reason: v.reason,
      authorId: v.authorId,
      author: v.authorId ? (users.get(v.authorId) ?? v.authorId) : null,
      approvedBy: v.approvedById ? (users.get(v.approvedById) ?? v.approvedById) : null,
      approvedAt: v.approvedAt?.toISOString() ?? null,
      createdAt: v.createdAt.toISOString(),
      baseVersion: v.baseVersion,
    })),
    tests: tests.map((t) => {
      const r = results.find((x) => x.expectation.tool === t.tool && x.expectation.expect === t.expect);
      return {
        id: t.id,
        tool: t.tool,
        expect: t.expect,
        note: t.note,
        ok: r ? r.ok : null,
        message: r?.message ?? "Not checked.",
        deleteRequestedById: t.deleteRequestedById,
        deleteRequestedBy: t.deleteRequestedById ? (users.get(t.deleteRequestedById) ?? t.deleteRequestedById) : null,
        deleteReason: t.deleteReason,
      };
    }),
    tools: [...tools.values()].map((t) => ({ name: t.name, kind: t.kind })).sort((a, b) => a.name.localeCompare(b.name)),
    breaker: {
      threshold: route.breakerThreshold,
      windowSeconds: route.breakerWindowSeconds,
      scopes: breakers.map((b) => ({ tenant: b.tenantId, env: b.env, state: b.state, count: b.count, openedAt: b.openedAt?.toISOString() ?? null })),
    },
  };
}
