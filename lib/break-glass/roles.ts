import type { Role } from "@/lib/auth/roles";

/** Who may open and use break-glass. */
export const BREAK_GLASS_ROLES: readonly Role[] = ["oncall"];
/** Who may read sessions and their reviews, and acknowledge someone else's. Viewers read only the banner. */
export const REVIEW_ROLES: readonly Role[] = ["oncall", "reviewer", "admin"];
/** Who may flip kill switches: admins always, on-call only under an open session (checked by the route). */
export const KILL_SWITCH_ROLES: readonly Role[] = ["admin", "oncall"];
