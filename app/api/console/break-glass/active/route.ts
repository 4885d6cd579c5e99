// GET /api/console/break-glass/active — open sessions, for the banner on every console page (any role)
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { isUnrestricted } from "@/lib/auth/scopes";
import { json } from "@/lib/http/handler";
import { listActiveBreakGlass } from "@/lib/break-glass/list-sessions";

export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) =>
  // A break-glass session is not bound to a tenant: the banner is for unrestricted users only.
  json({ sessions: isUnrestricted(user) ? await listActiveBreakGlass() : [] }),
);
