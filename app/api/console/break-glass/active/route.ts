// GET /api/console/break-glass/active — open sessions, for the banner on every console page (any role)
import { ANY_ROLE } from "@/lib/auth/roles";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { listActiveBreakGlass } from "@/lib/break-glass/list-sessions";

export const GET = consoleHandler(ANY_ROLE, async () => json({ sessions: await listActiveBreakGlass() }));
