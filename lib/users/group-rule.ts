/**
 * The named-groups rule beside the two-person rule (lib/users/two-person.ts):
 * a route can require that a destructive action's approvers come from named
 * reviewer groups — one from support, one from security — each group served
 * by a different person. Pure: the vote path reads the memberships and asks.
 */

/** Largest number of required groups that distinct approvers can serve at once (each approver serves at most one group). */
export function groupsServed(required: readonly string[], approvers: readonly ReadonlySet<string>[]): number {
  const owner = new Map<string, number>(); // group → approver index
  const tryAssign = (i: number, seen: Set<string>): boolean => {
    for (const g of required) {
      if (!approvers[i]!.has(g) || seen.has(g)) continue;
      seen.add(g);
      const j = owner.get(g);
      if (j === undefined || tryAssign(j, seen)) {
        owner.set(g, i);
        return true;
      }
    }
    return false;
  };
  let served = 0;
  for (let i = 0; i < approvers.length; i++) if (tryAssign(i, new Set())) served++;
  return served;
}

/**
 * Null when one more approval by a member of `next` still leaves the rule
 * satisfiable with the approvals that remain; otherwise the required groups
 * that the earlier approvers leave unserved (what the refusal names). With no
 * required groups the rule is off.
 */
export function requiredGroupsConflict(input: {
  required: readonly string[];
  approvalsRequired: number;
  prior: readonly ReadonlySet<string>[];
  next: ReadonlySet<string>;
}): string[] | null {
  const required = [...new Set(input.required)];
  if (required.length === 0) return null;
  const after = [...input.prior, input.next];
  const left = Math.max(0, input.approvalsRequired - after.length);
  if (required.length - groupsServed(required, after) <= left) return null;
  return required.filter((g) => !input.prior.some((p) => p.has(g)));
}
