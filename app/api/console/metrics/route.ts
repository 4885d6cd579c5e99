// GET /api/console/metrics — dashboard charts (any signed-in role), aggregated from the database
import { ANY_ROLE } from "@/lib/auth/roles";
import { scopedConsoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { getConsoleMetrics } from "@/lib/metrics/console-metrics";

export const GET = scopedConsoleHandler(ANY_ROLE, async (_req, { user }) => json(await getConsoleMetrics(user)));
