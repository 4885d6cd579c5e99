import { interrupt } from "@langchain/langgraph";
import { GatehouseError } from "./agent-client";
import type { ActionView } from "./api-schemas";
import { Gate, outcomeOf, type GateOptions, type GateOutcome, type Stop } from "./adapters/gate";

/**
 * `@gatehouse-dev/sdk/langgraph`: Gatehouse as the human-in-the-loop step of a
 * LangGraph.js node. `gh.approval(call)` proposes the call (your idempotency
 * key), `interrupt()`s the graph while it is pending, and on resume reads the
 * decision from Gatehouse — approve, reject with the reviewer's reason, or edit
 * (the reviewer's args; the token is bound to them). The resume value is what
 * your UI collected; it never decides by itself: a resume that says "approve"
 * while Gatehouse still waits interrupts again. With `forward`, the resume is
 * sent to Gatehouse as a reviewer's vote or edit first (its rules still apply).
 */

/** The resume value (`new Command({ resume })`). `action_id` echoes the interrupt's, for a resume in another process after an edit. */
export type GatehouseResume = { decision?: "approve" | "reject" | "edit"; reason?: string; args?: Record<string, unknown>; action_id?: string } | null | undefined;

/** What the graph's interrupt carries (task.interrupts[].value). No token, ever. */
export type GatehouseInterrupt = {
  gatehouse: {
    action_id: string | null;
    tool: string;
    args: Record<string, unknown>;
    args_hash: string | null;
    approvals: { required: number; received: number } | null;
    expires_at: string | null;
  };
};

/** Gatehouse's decision, in the shape of an approve / edit / reject answer. */
export type GatehouseDecision =
  | { decision: "approve"; status: "allowed" | "approved"; token: string; args: Record<string, unknown>; action: ActionView }
  | { decision: "edit"; status: "approved"; token: string; args: Record<string, unknown>; action: ActionView }
  | { decision: "reject"; status: Stop["status"]; reason: string; message: string; action?: ActionView };

export type ApprovalCall = { tool: string; args: Record<string, unknown>; idempotencyKey: string; reason?: string };

export type LangGraphGatehouseOptions = GateOptions & {
  /** Long-poll this long (seconds) after a resume before interrupting again; default 5. */
  resumeWaitSeconds?: number;
  /** Send a resume to Gatehouse as a reviewer's decision (e.g. a reviewer's API token on /api/cli/actions/:id/vote). */
  forward?: (actionId: string, resume: NonNullable<GatehouseResume>) => Promise<void>;
};

export type LangGraphGatehouse = {
  gate: Gate;
  /** Inside a node: returns Gatehouse's decision, interrupting the graph while it is pending. */
  approval(call: ApprovalCall): Promise<GatehouseDecision>;
};

function toDecision(o: Exclude<GateOutcome, { kind: "wait" }>): GatehouseDecision {
  if (o.kind === "stop") return { decision: "reject", status: o.status, reason: o.reason, message: o.message, ...(o.action ? { action: o.action } : {}) };
  if (o.action.args_edited) return { decision: "edit", status: "approved", token: o.token, args: o.args, action: o.action };
  return { decision: "approve", status: o.action.status as "allowed" | "approved", token: o.token, args: o.args, action: o.action };
}

export function gatehouseLangGraph(opts: LangGraphGatehouseOptions): LangGraphGatehouse {
  const gate = new Gate({ ...opts, keyPrefix: false }); // the caller's idempotency key, as given
  const forwarded = new Set<string>();
  const runId = () => (typeof opts.runId === "function" ? opts.runId() : opts.runId);

  /** An action named by a resume, accepted only if it is this call's (same run, tool and key; the API shows only our credential's). */
  async function adopt(actionId: string, call: ApprovalCall): Promise<GateOutcome> {
    const view = await gate.client.getAction(actionId);
    if (view.run_id !== runId() || view.tool !== call.tool || view.idempotency_key !== call.idempotencyKey) {
      throw new GatehouseError(409, "idempotency_mismatch", "The resume names an action that is not this call's.");
    }
    gate.remember(call.tool, call.idempotencyKey, actionId, call.args);
    return outcomeOf(view, call.args);
  }

  return {
    gate,
    async approval(call) {
      const ref = { tool: call.tool, callId: call.idempotencyKey, args: call.args, reason: call.reason };
      let outcome: GateOutcome | null;
      try {
        outcome = await gate.check(ref);
      } catch (err) {
        // The node runs again on resume; a reviewer's edit changed the action's args, so proposing the
        // original args again is a mismatch. The resume's action_id (checked) finds the action.
        if (!(err instanceof GatehouseError && err.code === "idempotency_mismatch")) throw err;
        outcome = null;
      }
      let round = 0;
      while (outcome === null || outcome.kind === "wait") {
        const a = outcome?.action;
        const payload: GatehouseInterrupt = {
          gatehouse: {
            action_id: a?.action_id ?? null,
            tool: call.tool,
            args: call.args,
            args_hash: a?.args_hash ?? null,
            approvals: a?.approvals ?? null,
            expires_at: a?.expires_at ?? null,
          },
        };
        const resume = interrupt(payload) as GatehouseResume;
        if (outcome === null) {
          if (!resume?.action_id) throw new GatehouseError(409, "idempotency_mismatch", "This idempotency key was used with other args; resume with the interrupt's action_id.");
          outcome = await adopt(resume.action_id, call);
          continue;
        }
        // The node runs from its start on every resume, and earlier interrupts return their old resume
        // values: forward each (action, interrupt) once per process.
        const once = `${outcome.action.action_id}#${round++}`;
        if (resume?.decision && opts.forward && !forwarded.has(once)) {
          forwarded.add(once);
          await opts.forward(outcome.action.action_id, resume);
        }
        outcome = await gate.refresh(outcome.action.action_id, opts.resumeWaitSeconds ?? 5, call.args);
      }
      return toDecision(outcome);
    },
  };
}

export { Gate, type Grant, type GateOptions } from "./adapters/gate";
