import "server-only";
import { db } from "@/lib/db/client";
import { AppError, ok, refusal, settle, type Outcome } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { finishAction } from "@/lib/actions/finish-action";
import { notifyActionChanged } from "@/lib/events/action-events";
import { getAction } from "@/lib/actions/get-action";
import type { ActionView } from "@/lib/api/schemas";

/**
 * The proposing credential withdraws its action: pending, or allowed/approved
 * and not yet redeemed — its token is then revoked (redeem refuses it with
 * `action_cancelled`, and the revocation feed lists its jti). Cancelled is final.
 */
export async function cancelAction(agent: AgentPrincipal, actionId: string, ctx: { requestId: string }): Promise<ActionView> {
  const outcome = await db().$transaction(async (tx): Promise<Outcome<void>> => {
    const action = await tx.action.findUnique({ where: { id: actionId } });
    if (!action || action.credentialId !== agent.credentialId) return refusal(new AppError("not_found", "No such action."));
    const from = ["pending", "allowed", "approved"] as const;
    const cancellable = (from as readonly string[]).includes(action.status) && !action.redeemedAt;
    const done =
      cancellable &&
      (await finishAction(tx, action, "cancelled", { reason: "cancelled_by_agent", actorType: "agent", actorId: agent.credentialId, requestId: ctx.requestId, from }));
    if (!done) return refusal(new AppError("conflict", "Only a pending action, or one whose token is not yet redeemed, can be cancelled.", { reason: "already_decided" }));
    return ok(undefined);
  });
  settle(outcome);
  notifyActionChanged(actionId);
  return getAction(agent, actionId);
}
