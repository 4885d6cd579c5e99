import "server-only";
import type { Action } from "@/lib/db/types";
import { seal } from "@/lib/crypto/seal";
import type { ActionTokenInput, MintedToken } from "@/lib/tokens/mint";
import { tokenSealContext } from "@/lib/actions/action-view";

/** What an action's token is bound to: the action itself, and the humans (or break-glass session) behind it. */
export function actionTokenInput(
  a: Pick<Action, "id" | "credentialId" | "tenantId" | "env" | "routeName" | "runId" | "tool" | "argsHash" | "idempotencyKey">,
  by: { approverIds: string[]; breakGlassSessionId: string | null; ttlSeconds?: number; argsEdited?: boolean },
): ActionTokenInput {
  return {
    credentialId: a.credentialId,
    tenant: a.tenantId,
    env: a.env,
    route: a.routeName,
    runId: a.runId,
    actionId: a.id,
    tool: a.tool,
    argsHash: a.argsHash,
    idempotencyKey: a.idempotencyKey,
    approverIds: by.approverIds,
    breakGlassSessionId: by.breakGlassSessionId,
    ttlSeconds: by.ttlSeconds,
    ...(by.argsEdited ? { argsEdited: true } : {}),
  };
}

/** The token as its Action row keeps it: sealed to that action, with its jti and expiry. */
export function tokenColumns(actionId: string, m: MintedToken): Pick<Action, "tokenJti" | "tokenExpiresAt" | "tokenSealed"> {
  return { tokenJti: m.jti, tokenExpiresAt: m.expiresAt, tokenSealed: seal(m.token, tokenSealContext(actionId)) };
}
