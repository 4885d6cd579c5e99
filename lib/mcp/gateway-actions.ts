/**
 * Actions the MCP gateway proposed are Gatehouse's own to execute: it holds
 * their token (redeemed internally), calls the upstream and writes their
 * result. The agent's view of one never carries the token, and the agent API
 * neither takes a result for one nor lets a proposal borrow the mark. The
 * mark is the idempotency key's reserved prefix (the key is the run plus the
 * JSON-RPC id): one the agent API refuses, so only the gateway writes it.
 */
export const GATEWAY_KEY_PREFIX = "mcp:";

/** The longest JSON-RPC string id the endpoint takes (it becomes part of the idempotency key and the audit row). */
export const MAX_JSONRPC_ID_CHARS = 128;

/** The run plus the JSON-RPC id, typed: the number 1 and the string "1" are different requests (JSON-RPC 2.0). */
export function gatewayIdempotencyKey(runId: string, jsonRpcId: string | number): string {
  return `${GATEWAY_KEY_PREFIX}${runId}:${typeof jsonRpcId === "number" ? "n" : "s"}:${jsonRpcId}`;
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

/** What decides whether an MCP-backed tool may be served to one tenant/env: its pin and status, its upstream's status, that tenant/env's credential. */
export type ServableFacts = {
  tool: { status: string; approvedHash: string | null; observedHash: string } | null;
  upstreamStatus: string | null;
  /** Whether the upstream has a credential for the caller's tenant and environment. */
  hasCredential: boolean;
};

/**
 * Why an MCP-backed tool may not be served now, or null when it may: its
 * upstream is not active (disabled by an admin), the tool is not approved,
 * the upstream changed it since an admin pinned it (a rug pull), or no
 * credential is set for this tenant and environment. One rule
 * for tools/list, tools/call, the run of an approved call, the vote's
 * re-check and the reviewer's card.
 */
export function withheldReason({ tool, upstreamStatus, hasCredential }: ServableFacts): string | null {
  if (!tool || upstreamStatus === null) return "not_found";
  if (upstreamStatus !== "active") return `upstream_${upstreamStatus}`;
  if (tool.status !== "approved" || tool.approvedHash === null || tool.observedHash !== tool.approvedHash) return tool.status === "approved" ? "changed" : tool.status;
  return hasCredential ? null : "no_credential";
}

/** The reason in Gatehouse's words, for the model and the reviewer. */
export function withheldMessage(reason: string): string {
  if (reason === "not_found") return "the tool is no longer in the catalog";
  if (reason === "no_credential") return "its MCP upstream has no credential set for this tenant and environment";
  if (reason.startsWith("upstream_")) return `its MCP upstream is ${reason.slice("upstream_".length)} (an admin turned it off)`;
  if (reason === "changed") return "the upstream changed the tool's description or input schema after an admin approved it; it is withheld until two admins re-approve it";
  return `the tool is ${reason}, not approved by the admins`;
}
