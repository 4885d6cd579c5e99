import "server-only";
import { isGatewayAction } from "@/lib/mcp/gateway-actions";
import { atCommit, sqlTransaction } from "@/lib/db/sql";
import type { Action, Sql } from "@/lib/db/types";
import { findActionById, setActionResult } from "@/lib/db/tables/action";
import { AppError, ok, refusal, settle, type Outcome } from "@/lib/errors";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { appendAudit } from "@/lib/audit/append";
import { recordBreakerFailure } from "@/lib/actions/circuit-breaker";
import { actionAuditFields, type ActionAuditSubject } from "@/lib/actions/action-audit";
import { redactText } from "@/lib/redact/redact";

/** `attempts`: set by the MCP gateway only (the agent API's body schema has no such field), recorded when more than one. */
export type ResultInput = { status: "ok" | "error"; duration_ms: number; error?: string; attempts?: number };

/**
 * What the caller already knows of an action it just created and ran itself
 * (the MCP gateway's allowed call): the row is not read back. Only for a
 * successful result: a failure counts against the breaker, which needs the row.
 */
export type KnownAction = ActionAuditSubject & { id: string; tokenJti: null };

/** The agent reports how the tool call went; recorded once and audited. Failures count against the breaker. */
export async function reportResult(
  agent: AgentPrincipal,
  actionId: string,
  input: ResultInput,
  ctx: { requestId: string; executor?: "mcp-gateway" },
  known?: KnownAction,
): Promise<void> {
  // The error text is the tool's (or the agent's) words: redacted before it is stored anywhere.
  const error = input.error === undefined ? null : redactText(input.error);
  const outcome = await sqlTransaction(
    atCommit(async (tx: Sql): Promise<Outcome<void>> => {
      let action: KnownAction | Action;
      if (known && known.id === actionId && input.status === "ok") action = known;
      else {
        const row = await findActionById(tx, actionId);
        if (!row || row.credentialId !== agent.credentialId) return refusal(new AppError("not_found", "No such action."));
        // The gateway ran (or will run) this call and writes its result; the agent may not write it first.
        if (isGatewayAction(row) && ctx.executor !== "mcp-gateway")
          return refusal(new AppError("conflict", "Gatehouse runs this call itself (MCP gateway) and records its result.", { reason: "executed_by_gateway" }));
        if (row.status !== "allowed" && row.status !== "approved") {
          return refusal(new AppError("conflict", "This action was never allowed, so it has no result.", { reason: "not_executable" }));
        }
        action = row;
      }
      const now = new Date();
      const changed = await setActionResult(tx, { id: actionId, status: input.status, durationMs: input.duration_ms, error, now });
      if (!changed) return refusal(new AppError("conflict", "A result was already reported for this action.", { reason: "result_already_reported" }));
      await appendAudit(tx, {
        type: "action.result",
        // Who wrote the result: the agent that ran the call, or Gatehouse's gateway that ran it for the agent.
        actorType: ctx.executor ? "system" : "agent",
        actorId: ctx.executor ?? agent.credentialId,
        requestId: ctx.requestId,
        ...actionAuditFields(action),
        jti: action.tokenJti,
        status: input.status,
        durationMs: input.duration_ms,
        data: { ...(error ? { error: error.slice(0, 500) } : {}), ...(input.attempts && input.attempts > 1 ? { attempts: input.attempts } : {}) },
      });
      if (input.status === "error" && "routeId" in action) await recordBreakerFailure(tx, action.routeId, { tenantId: action.tenantId, env: action.env }, ctx);
      return ok(undefined);
    }),
  );
  settle(outcome);
}
