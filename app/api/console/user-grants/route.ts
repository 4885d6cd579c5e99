// GET /api/console/user-grants — role grants waiting for a second admin (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { listPendingGrants } from "@/lib/users/grants";

export const GET = consoleHandler(["admin"], async () => json({ grants: await listPendingGrants() }));
