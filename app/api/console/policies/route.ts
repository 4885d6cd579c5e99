// GET /api/console/policies — routes with their active policy (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { listPolicies } from "@/lib/console/list-policies";

export const GET = consoleHandler(["admin"], async () => json({ routes: await listPolicies() }));
