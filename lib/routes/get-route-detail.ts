import "server-only";
import { db } from "@/lib/db/client";
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
};

export type PolicyTestRow = { id: string; tool: string; expect: string; note: string; ok: boolean | null; message: string };

export type RouteDetail = {
  route: string;
  description: string;
  activeVersion: number;
  active: Policy | null;
  versions: PolicyVersionRow[];
  tests: PolicyTestRow[];
  tools: { name: string; kind: string }[];
  breaker: { state: string; count: number; threshold: number; windowSeconds: number; openedAt: string | null };
};

/** Everything the policy editor shows for one route: active policy, history with who/when/why, tests with their result now. */
export async function getRouteDetail(name: string): Promise<RouteDetail> {
  const route = await db().route.findUnique({ where: { name } });
  if (!route) throw new AppError("not_found", `No route named ${name}.`);
  const [versions, tests, tools] = await Promise.all([
    db().policyVersion.findMany({ where: { routeId: route.id }, orderBy: { version: "desc" } }),
    db().policyTest.findMany({ where: { routeId: route.id }, orderBy: { createdAt: "asc" } }),
    loadToolMap(db()),
  ]);
  const userIds = [...new Set(versions.flatMap((v) => [v.authorId, v.approvedById]).filter((x): x is string => !!x))];
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
    })),
    tests: tests.map((t) => {
      const r = results.find((x) => x.expectation.tool === t.tool && x.expectation.expect === t.expect);
      return { id: t.id, tool: t.tool, expect: t.expect, note: t.note, ok: r ? r.ok : null, message: r?.message ?? "Not checked." };
    }),
    tools: [...tools.values()].map((t) => ({ name: t.name, kind: t.kind })).sort((a, b) => a.name.localeCompare(b.name)),
    breaker: {
      state: route.breakerState,
      count: route.breakerCount,
      threshold: route.breakerThreshold,
      windowSeconds: route.breakerWindowSeconds,
      openedAt: route.breakerOpenedAt?.toISOString() ?? null,
    },
  };
}
