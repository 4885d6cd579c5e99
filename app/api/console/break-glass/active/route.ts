// GET /api/console/break-glass/active — open sessions, for the red banner on every console page (any signed-in user, any scopes)
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { listActiveBreakGlass } from "@/lib/break-glass/list-sessions";

// Scoped so that a user restricted to some tenants reaches it: the banner is for every user (PRODUCT.md), and it
// carries only the banner's facts, none of a tenant's data.
export const GET = scopedConsoleHandler(ANY_ROLE, async () => json({ sessions: await listActiveBreakGlass() }));
