// GET /api/console/canaries — each reviewer's canary record (placed, caught, missed, catch rate); POST — place one in an enrolled reviewer's queue (admin)
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { canaryStats, placeCanary, placeCanaryInput } from "@/lib/canaries/canaries";

export const GET = consoleHandler(["admin"], async () => json({ reviewers: await canaryStats() }));

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  return json(await placeCanary(await parseBody(req, placeCanaryInput), { actorId: user.id, requestId }), 201);
});
