import "server-only";
import { db } from "@/lib/db/client";
import { lockActionRow, replaceActionToken } from "@/lib/db/tables/action";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { mintActionToken } from "@/lib/tokens/mint";
import { recheckAtDecision } from "@/lib/actions/vote-on-action";
import { actionTokenInput, tokenColumns } from "@/lib/actions/action-token";
import { actionAuditFields } from "@/lib/actions/action-audit";
import { needsRemint, remintTtlSeconds } from "@/lib/actions/approval-window";

/** What a re-mint attempt produced: a fresh token, a reason none may be issued now, or nothing to do. */
export type Remint = { token: string } | { refused: string } | null;

class LostRace extends Error {}

/**
 * Within its validity window, an approved or allowed action whose token
 * expired unredeemed gets one fresh single-use token, through the one mint
 * protocol, with a `token.reminted` event (the old jti, `replaced_by` the new
 * one) before its `token.minted`. The action row is locked and re-read first,
 * and the token swap is conditional on the old jti, so concurrent pollers
 * cause exactly one re-mint and then all read the same token; a live token is
 * never replaced. The controls are checked as they are now (credential,
 * route access, kill switches, breaker, policy): a refusal mints nothing.
 */
export async function remintActionToken(agent: AgentPrincipal, actionId: string, ctx: { requestId?: string | null }): Promise<Remint> {
  try {
    return await db().$transaction(async (tx): Promise<Remint> => {
      const now = new Date();
      await lockActionRow(tx, actionId, now);
      const action = await tx.action.findUnique({ where: { id: actionId } });
      if (!action || action.credentialId !== agent.credentialId || !needsRemint(action, now)) return null;
      const approvals = await tx.approval.findMany({ where: { actionId, vote: "approve" }, orderBy: { createdAt: "asc" }, select: { userId: true } });
      const recheck = await recheckAtDecision(tx, action);
      if (recheck.outcome === "denied") return { refused: recheck.reason };
      // Allowed without a human: only while the policy still allows it so. Approved: with as many approvals as it needs now.
      if (action.status === "allowed" && recheck.approvalsRequired > 0) return { refused: "policy_changed" };
      if (approvals.length < recheck.approvalsRequired) return { refused: "policy_changed" };

      const previousJti = action.tokenJti!;
      const audit = { requestId: ctx.requestId ?? null, actorType: "agent" as const, actorId: agent.credentialId };
      const minted = await mintActionToken(
        tx,
        actionTokenInput(action, {
          approverIds: approvals.map((a) => a.userId),
          breakGlassSessionId: null,
          ttlSeconds: remintTtlSeconds(action, now),
          argsEdited: (await tx.actionEdit.count({ where: { actionId: action.id } })) > 0,
        }),
        audit,
        async (m) => {
          if ((await replaceActionToken(tx, action.id, previousJti, tokenColumns(action.id, m), now)) !== 1) throw new LostRace();
          return [
            {
              type: "token.reminted",
              ...audit,
              ...actionAuditFields(action),
              jti: previousJti,
              status: "ok",
              reason: "expired_unredeemed",
              data: {
                replaced_by: m.jti,
                previous_expired_at: action.tokenExpiresAt?.toISOString() ?? null,
                approval_valid_until: action.approvalValidUntil?.toISOString() ?? null,
              },
            },
          ];
        },
      );
      return { token: minted.token };
    });
  } catch (err) {
    // Another poll swapped the token first; the caller reads the one it minted.
    if (err instanceof LostRace) return null;
    throw err;
  }
}
