import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { appendAudit } from "@/lib/audit/append";
import { recordBreakerFailure } from "@/lib/actions/circuit-breaker";
import { actionAuditFields } from "@/lib/actions/action-audit";

export type ResultInput = { status: "ok" | "error"; duration_ms: number; error?: string };

/** The agent reports how the tool call went; recorded once and audited. Failures count against the breaker. */
export async function reportResult(agent: AgentPrincipal, actionId: string, input: ResultInput, ctx: { requestId: string }): Promise<void> {
  const outcome = await db().$transaction(async (tx) => {
    const action = await tx.action.findUnique({ where: { id: actionId } });
    if (!action || action.credentialId !== agent.credentialId) return "not_found" as const;
    if (action.status !== "allowed" && action.status !== "approved") return "not_executable" as const;
    const now = new Date();
    const changed = await tx.action.updateMany({
      where: { id: actionId, resultStatus: null },
      data: { resultStatus: input.status, resultDurationMs: input.duration_ms, resultError: input.error ?? null, resultAt: now },
    });
    if (changed.count !== 1) return "duplicate" as const;
    await appendAudit(tx, {
      type: "action.result",
      actorType: "agent",
      actorId: agent.credentialId,
      requestId: ctx.requestId,
      ...actionAuditFields(action),
      jti: action.tokenJti,
      status: input.status,
      durationMs: input.duration_ms,
      data: input.error ? { error: input.error.slice(0, 500) } : {},
    });
    if (input.status === "error") await recordBreakerFailure(tx, action.routeId, ctx);
    return "ok" as const;
  });
  if (outcome === "not_found") throw new AppError("not_found", "No such action.");
  if (outcome === "not_executable") throw new AppError("conflict", "This action was never allowed, so it has no result.", { reason: "not_executable" });
  if (outcome === "duplicate") throw new AppError("conflict", "A result was already reported for this action.", { reason: "result_already_reported" });
}
