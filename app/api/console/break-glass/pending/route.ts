// GET /api/console/break-glass/pending — pending actions the on-call may approve alone
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { BREAK_GLASS_ROLES } from "@/lib/break-glass/roles";
import { listActions } from "@/lib/console/list-actions";

export const GET = consoleHandler(BREAK_GLASS_ROLES, async (_req, { user }) => json({ actions: await listActions(user, { status: "pending", limit: 100 }) }));
