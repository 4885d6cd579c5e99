// GET /api/console/policies/detail?route=<name> — active policy, version history, tests, catalog kinds, breaker (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { AppError } from "@/lib/errors";
import { getRouteDetail } from "@/lib/routes/get-route-detail";

export const GET = consoleHandler(["admin"], async (req) => {
  const name = new URL(req.url).searchParams.get("route");
  if (!name) throw new AppError("bad_request", "Name the route: ?route=<name>.");
  return json(await getRouteDetail(name));
});
