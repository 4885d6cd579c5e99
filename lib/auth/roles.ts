/**
 * Console roles. Each role is explicit: admin does not imply reviewer, and
 * no role implies another. Pure — safe to import anywhere.
 */
export const ROLES = ["viewer", "reviewer", "admin", "oncall"] as const;
export type Role = (typeof ROLES)[number];

/** Every role: "any signed-in user who holds at least one role". */
export const ANY_ROLE: readonly Role[] = ROLES;

/** Parse the User.roles column (comma-separated); unknown names are dropped. */
export function parseRoles(column: string): Role[] {
  const names = column.split(",").map((r) => r.trim());
  return ROLES.filter((r) => names.includes(r));
}

/** True when the user holds at least one of the required roles. */
export function holdsAnyRole(held: readonly Role[], required: readonly Role[]): boolean {
  return required.some((r) => held.includes(r));
}
