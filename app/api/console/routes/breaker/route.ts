// POST /api/console/routes/breaker — reset one scope's circuit breaker (route + tenant + env), or set the route's threshold and window (admin)
import { z } from "zod";
import { consoleHandler } from "@/lib/http/console-guard";
import { json } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { resetBreaker } from "@/lib/routes/reset-breaker";
import { updateBreakerSettings } from "@/lib/routes/update-breaker-settings";

const body = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("reset"),
    route: z.string().min(1).max(200),
    tenant: z.string().min(1).max(200),
    env: z.string().min(1).max(50),
    reason: z.string().max(1000),
  }),
  z.strictObject({ action: z.literal("configure"), route: z.string().min(1).max(200), threshold: z.number(), windowSeconds: z.number() }),
]);

export const POST = consoleHandler(["admin"], async (req, { user, requestId }) => {
  const b = await parseBody(req, body);
  if (b.action === "reset") await resetBreaker({ route: b.route, scope: { tenantId: b.tenant, env: b.env }, reason: b.reason, actorId: user.id, requestId });
  else await updateBreakerSettings({ route: b.route, settings: { threshold: b.threshold, windowSeconds: b.windowSeconds }, actorId: user.id, requestId });
  return json({ ok: true });
});
