import { tool, type FlexibleSchema, type Tool, type ToolApprovalResponse, type ToolModelMessage } from "ai";
import { Gate, refusalText, type GateOptions, type Grant } from "./adapters/gate";

/**
 * `@gatehouse-dev/sdk/ai`: Gatehouse as the tool approval of the Vercel AI SDK
 * (6.x). A wrapped tool's `needsApproval` proposes the call to Gatehouse (the
 * tool call id is the idempotency key): allowed → it executes; pending → the
 * SDK returns a `tool-approval-request`; denied → it never runs and the model
 * reads why. `approvalResponses` waits for the reviewers' decision in
 * Gatehouse and returns the `tool-approval-response` message to append before
 * the next `generateText`. The tool body runs only with Gatehouse's token.
 */

export type GatehouseAiToolDefinition<A extends Record<string, unknown>> = {
  /** The Gatehouse tool name (e.g. `ticket.close`). */
  tool: string;
  description: string;
  /** A zod schema or `jsonSchema(...)`, as `tool()` takes it. */
  inputSchema: FlexibleSchema<A>;
  /** The agent's reason shown to reviewers (untrusted text). */
  reason?: (args: A) => string | undefined;
  /** Runs only with Gatehouse's token; `args` are the final args (a reviewer's edit, if any). */
  execute: (args: A, grant: Grant) => Promise<unknown> | unknown;
};

type ApprovalRequestPart = { type: "tool-approval-request"; approvalId: string; toolCall: { toolCallId: string; toolName: string; input: unknown } };

export type AiSdkGatehouse = {
  gate: Gate;
  /** A tool for `generateText({ tools: { name: gh.tool(...) } })`. */
  tool<A extends Record<string, unknown>>(def: GatehouseAiToolDefinition<A>): Tool<A, unknown>;
  /**
   * For each `tool-approval-request` of a Gatehouse tool in `result.content`: wait (up to `timeoutMs`)
   * for its decision in Gatehouse. Returns the tool message with one `tool-approval-response` per decided
   * call (approved for allowed / approved, not approved with the reason otherwise) — append it after
   * `result.response.messages` — and the requests still pending (ask again later; never approved).
   */
  approvalResponses(
    result: { content: ReadonlyArray<{ type: string }> },
    opts?: { timeoutMs?: number },
  ): Promise<{ message: ToolModelMessage | undefined; pending: ApprovalRequestPart[] }>;
};

export function gatehouseAiSdk(opts: GateOptions): AiSdkGatehouse {
  const gate = new Gate(opts);
  /** tool call id → the Gatehouse tool it belongs to (the tool set's key names are the caller's). */
  const calls = new Map<string, GatehouseAiToolDefinition<any>>();

  const ref = (def: GatehouseAiToolDefinition<any>, callId: string, input: unknown) => {
    const args = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
    return { tool: def.tool, callId, args, reason: def.reason?.(args as never) };
  };

  return {
    gate,
    tool<A extends Record<string, unknown>>(def: GatehouseAiToolDefinition<A>) {
      return tool<A, unknown>({
        description: def.description,
        inputSchema: def.inputSchema,
        needsApproval: async (input: A, o: { toolCallId: string }) => {
          calls.set(o.toolCallId, def);
          // The SDK asks again before it executes an approved call (and denies it if the answer is now
          // "no approval needed"): only an outright allow or an outright denial skips the approval step.
          const out = await gate.check(ref(def, o.toolCallId, input));
          return !((out.kind === "go" && out.action.status === "allowed") || (out.kind === "stop" && out.status === "denied"));
        },
        execute: async (input: A, o: { toolCallId: string }) => {
          const r = await gate.run(ref(def, o.toolCallId, input), (args, grant) => def.execute(args as A, grant));
          return r.ran ? r.value : refusalText(r.outcome);
        },
      } as never) as Tool<A, unknown>;
    },
    async approvalResponses(result, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
      const responses: ToolApprovalResponse[] = [];
      const pending: ApprovalRequestPart[] = [];
      for (const part of result.content) {
        if (part.type !== "tool-approval-request") continue;
        const req = part as ApprovalRequestPart;
        const def = calls.get(req.toolCall.toolCallId);
        if (!def) continue; // not a Gatehouse tool: the caller answers it
        const waitSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        const outcome = await gate.check(ref(def, req.toolCall.toolCallId, req.toolCall.input), waitSeconds);
        if (outcome.kind === "go") responses.push({ type: "tool-approval-response", approvalId: req.approvalId, approved: true, reason: `Gatehouse: ${outcome.action.status}` });
        else if (outcome.kind === "stop") responses.push({ type: "tool-approval-response", approvalId: req.approvalId, approved: false, reason: refusalText(outcome) });
        else pending.push(req);
      }
      return { message: responses.length ? { role: "tool", content: responses } : undefined, pending };
    },
  };
}

export { Gate, type Grant, type GateOptions } from "./adapters/gate";
