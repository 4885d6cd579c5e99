/**
 * Actions the MCP gateway proposed are Gatehouse's own to execute: it holds
 * their token (redeemed internally), calls the upstream and writes their
 * result. The agent's view of one never carries the token, and the agent API
 * neither takes a result for one nor lets a proposal borrow the mark. The
 * mark is the idempotency key's reserved prefix (the key is the run plus the
 * JSON-RPC id): one the agent API refuses, so only the gateway writes it.
 */
export const GATEWAY_KEY_PREFIX = "mcp:";

export function gatewayIdempotencyKey(runId: string, jsonRpcId: unknown): string {
  return `${GATEWAY_KEY_PREFIX}${runId}:${String(jsonRpcId)}`;
}

export function isGatewayAction(a: { idempotencyKey?: string | null; idempotency_key?: string | null }): boolean {
  return (a.idempotencyKey ?? a.idempotency_key ?? "").startsWith(GATEWAY_KEY_PREFIX);
}

/** What the agent API shows of an action: a gateway action's token stays with Gatehouse. */
export function forAgentApi<V extends { idempotency_key?: string | null; token?: string; token_expires_at?: string }>(view: V): V {
  if (!isGatewayAction(view) || (view.token === undefined && view.token_expires_at === undefined)) return view;
  const { token: _t, token_expires_at: _e, ...rest } = view;
  return {
    ...rest,
    message: "Approved: Gatehouse runs this call itself (MCP gateway); its answer is read with gatehouse.action_status in the session that made it.",
  } as unknown as V;
}
