import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";

export const breakerSettingsInput = z.strictObject({
  threshold: z.number().int().min(1).max(100_000),
  windowSeconds: z.number().int().min(1).max(86_400),
});

/** Set a route's breaker threshold and window (denials or failures within the window that open it). Audited. */
export async function updateBreakerSettings(input: { route: string; settings: unknown; actorId: string; requestId?: string | null }): Promise<void> {
  const parsed = breakerSettingsInput.safeParse(input.settings);
  if (!parsed.success) throw new AppError("validation_failed", "Invalid breaker settings.", { issues: zodIssues(parsed.error.issues) });
  const s = parsed.data;
  await db().$transaction(async (tx) => {
    const route = await tx.route.findUnique({ where: { name: input.route } });
    if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
    await tx.route.update({ where: { id: route.id }, data: { breakerThreshold: s.threshold, breakerWindowSeconds: s.windowSeconds } });
    await appendAudit(tx, {
      type: "breaker.configured",
      ...userActor(input),

      route: route.name,
      data: { threshold: s.threshold, window_seconds: s.windowSeconds, previous: { threshold: route.breakerThreshold, window_seconds: route.breakerWindowSeconds } },
    });
  });
}
