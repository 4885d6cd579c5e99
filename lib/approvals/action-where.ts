import type { ActionFilters } from "@/lib/approvals/schemas";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";

/**
 * Prisma `where` for the filters. Built key by key so an absent filter is
 * absent, never `undefined` (which Prisma would read as "no condition" by accident).
 * Always narrowed to the viewer's scopes (scopeWhere): a filter can only narrow further.
 */
export function actionWhere(f: ActionFilters, viewer: Scoped): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  if (f.tenant) where.tenantId = f.tenant;
  if (f.env) where.env = f.env;
  if (f.route) where.routeName = f.route;
  if (f.tool) where.tool = f.tool;
  if (f.kind) where.toolKind = f.kind;
  // The scope is its own AND member, never keys the filters share: a `tenant` filter must not replace a viewer's
  // "nothing" (`tenantId in []`) with "this tenant".
  return { AND: [scopeWhere(viewer), where] };
}
