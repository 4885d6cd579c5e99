// GET /api/console/summary — dashboard counts (any signed-in role)
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { getSummary } from "@/lib/console/get-summary";

export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) => json(await getSummary(user)));
