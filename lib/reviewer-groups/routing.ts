/**
 * Which reviewer group a route's actions go to (pure): a tenant's own row
 * wins over the route's `*` row; no row means today's behaviour (every
 * in-scope reviewer reviews it, nobody in particular is asked).
 */

export type Routing = { routeName: string; tenantId: string; groupId: string; escalationChain: string[]; requiredGroups: string[] };

/** Parse a comma-separated id list column (order kept, blanks and duplicates dropped). */
export function parseIdList(column: string | null | undefined): string[] {
  return [
    ...new Set(
      (column ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** The routing row that applies to an action of `routeName` for `tenantId`, or null. */
export function resolveRouting<R extends { routeName: string; tenantId: string }>(rows: readonly R[], routeName: string, tenantId: string): R | null {
  return rows.find((r) => r.routeName === routeName && r.tenantId === tenantId) ?? rows.find((r) => r.routeName === routeName && r.tenantId === "*") ?? null;
}

/** The group asked at escalation step `level` (1 = the chain's first), or null past the chain's end. */
export function chainGroupAt(routing: Pick<Routing, "escalationChain">, level: number): string | null {
  return level >= 1 ? (routing.escalationChain[level - 1] ?? null) : null;
}
