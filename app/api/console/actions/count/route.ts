// GET /api/console/actions/count — pending actions, for the nav badge
import { ANY_ROLE } from "@/lib/auth/roles";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { countPending } from "@/lib/approvals/list-queue";

export const GET = consoleHandler(ANY_ROLE, async () => json({ pending: await countPending() }));
