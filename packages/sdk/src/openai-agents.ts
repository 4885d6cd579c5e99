import { tool, type FunctionTool, type RunContext, type RunState, type RunToolApprovalItem } from "@openai/agents";
import { Gate, refusalText, type GateOptions, type Grant } from "./adapters/gate";

/**
 * `@gatehouse-dev/sdk/openai-agents`: Gatehouse as the approval step of the
 * OpenAI Agents SDK (0.14.x). A wrapped tool's `needsApproval` proposes the
 * call to Gatehouse (the tool call id is the idempotency key): allowed → it
 * runs; pending → the run is interrupted; denied → it never runs and the model
 * reads why. `resolveInterruptions` waits for the reviewers' decision in
 * Gatehouse and approves or rejects each interruption on the RunState, so
 * `run(agent, result.state)` resumes. The tool body runs only with a token.
 */

type Params = Parameters<typeof tool>[0]["parameters"];

export type GatehouseToolDefinition<A extends Record<string, unknown>> = {
  /** The Gatehouse tool name (e.g. `ticket.close`). */
  tool: string;
  /** The name the model sees (`[A-Za-z0-9_-]`); default: `tool` with other characters as `_`. */
  name?: string;
  description: string;
  /** A zod object or a JSON schema, as `tool()` takes it. */
  parameters: Params;
  /** `tool()`'s strict mode (zod parameters need it; a JSON schema may set false). */
  strict?: boolean;
  /** The agent's reason shown to reviewers (untrusted text). */
  reason?: (args: A) => string | undefined;
  /** Runs only with Gatehouse's token; `args` are the final args (a reviewer's edit, if any). */
  execute: (args: A, grant: Grant) => Promise<unknown> | unknown;
};

export type OpenAIAgentsGatehouse = {
  gate: Gate;
  /** A FunctionTool for `new Agent({ tools })`. */
  tool<A extends Record<string, unknown>>(def: GatehouseToolDefinition<A>): FunctionTool;
  /**
   * For each interruption of a Gatehouse tool: wait (up to `timeoutMs`) for its decision in
   * Gatehouse, then `state.approve` (allowed / approved) or `state.reject` with the reason. Returns
   * the interruptions still pending when time ran out (resume later) — never approves those.
   */
  resolveInterruptions(result: { state: RunState<any, any>; interruptions: RunToolApprovalItem[] }, opts?: { timeoutMs?: number }): Promise<RunToolApprovalItem[]>;
};

const modelName = (t: string) => t.replace(/[^A-Za-z0-9_-]/g, "_");

export function gatehouseOpenAIAgents(opts: GateOptions): OpenAIAgentsGatehouse {
  const gate = new Gate(opts);
  const byName = new Map<string, GatehouseToolDefinition<any>>();

  const ref = (def: GatehouseToolDefinition<any>, callId: string | undefined, input: unknown) => {
    const args = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
    return { tool: def.tool, callId: callId ?? "", args, reason: def.reason?.(args) };
  };

  return {
    gate,
    tool(def) {
      const name = def.name ?? modelName(def.tool);
      byName.set(name, def);
      return tool({
        name,
        description: def.description,
        parameters: def.parameters,
        ...(def.strict === undefined ? {} : { strict: def.strict }),
        needsApproval: async (_ctx: RunContext, input: unknown, callId?: string) => (await gate.check(ref(def, callId, input))).kind === "wait",
        execute: async (input: unknown, _ctx?: RunContext, details?: { toolCall?: { callId?: string } }) => {
          const r = await gate.run(ref(def, details?.toolCall?.callId, input), (args, grant) => def.execute(args as never, grant));
          return r.ran ? r.value : refusalText(r.outcome);
        },
      } as never) as FunctionTool;
    },
    async resolveInterruptions(result, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
      const left: RunToolApprovalItem[] = [];
      for (const item of result.interruptions) {
        const def = item.name ? byName.get(item.name) : undefined;
        const callId = (item.rawItem as { callId?: string }).callId;
        if (!def || !callId) {
          left.push(item);
          continue;
        }
        const parsed = item.arguments ? (JSON.parse(item.arguments) as unknown) : {};
        const id = gate.actionIdOf(def.tool, callId);
        const r = ref(def, callId, parsed);
        const waitSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        const outcome = id ? await gate.refresh(id, waitSeconds, r.args) : await gate.check(r, waitSeconds);
        if (outcome.kind === "go") result.state.approve(item);
        else if (outcome.kind === "stop") result.state.reject(item, { message: refusalText(outcome) });
        else left.push(item);
      }
      return left;
    },
  };
}

export { Gate, type Grant, type GateOptions } from "./adapters/gate";
