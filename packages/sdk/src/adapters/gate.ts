import { GatehouseError, type GatehouseAgent } from "../agent-client";
import type { ActionView } from "../api-schemas";

/**
 * What the framework adapters share: one Gatehouse action per tool call
 * (the framework's tool call id is the idempotency key), a decision read from
 * Gatehouse and never from the framework, and the tool run only with a token.
 */

/** Run the tool: Gatehouse allowed or approved it. `args` are the final args (a reviewer may have edited them; the token is bound to these). */
export type Go = { kind: "go"; action: ActionView; token: string; args: Record<string, unknown> };
/** Waiting for reviewers. */
export type Wait = { kind: "wait"; action: ActionView };
/** Do not run the tool: denied by policy, rejected by a reviewer, expired, cancelled, or already used. */
export type Stop = { kind: "stop"; status: "denied" | "rejected" | "expired" | "cancelled" | "redeemed"; reason: string; message: string; action?: ActionView };
export type GateOutcome = Go | Wait | Stop;

/** What the wrapped tool receives besides its arguments: the capability token for the tool service, and the action. */
export type Grant = { token: string; action: ActionView; args: Record<string, unknown> };

export type GateOptions = {
  /** The agent client (an agent key of the route). */
  client: GatehouseAgent;
  /** The Gatehouse run the calls belong to (`client.startRun(route)`), or a function returning it. */
  runId: string | (() => string);
  /** Report each wrapped tool's result (ok / error, duration) to Gatehouse; default true. */
  reportResults?: boolean;
  /** Prefix the tool call id with the run id in the idempotency key (default true). */
  keyPrefix?: boolean;
};

export type ToolCallRef = { tool: string; callId: string; args: Record<string, unknown>; reason?: string };

/** Gatehouse's state of a call as an outcome; `proposed` are the args the agent sent (the action's args unless a reviewer edited them). */
export function outcomeOf(view: ActionView | { status: "denied"; reason_code: string; message: string }, proposed: Record<string, unknown> = {}): GateOutcome {
  if (view.status === "denied" || !("action_id" in view)) return { kind: "stop", status: "denied", reason: view.reason_code, message: view.message ?? "Denied by policy." };
  switch (view.status) {
    case "pending":
      return { kind: "wait", action: view };
    case "allowed":
    case "approved":
      if (view.token) {
        // The token travels only in `token`: an action kept in a graph's state or a log carries none.
        const { token, ...action } = view;
        return { kind: "go", action, token, args: view.args_edited && view.args ? view.args : proposed };
      }
      return {
        kind: "stop",
        status: view.redeemed ? "redeemed" : "expired",
        reason: view.redeemed ? "already_redeemed" : view.reason_code,
        message: view.message ?? (view.redeemed ? "This call was already executed." : "The approval's window has ended."),
        action: view,
      };
    case "rejected":
      return {
        kind: "stop",
        status: "rejected",
        reason: view.reject_reason ?? "rejected",
        message: view.reject_reason ? `Rejected by a reviewer: ${view.reject_reason}` : "Rejected by a reviewer.",
        action: view,
      };
    default:
      return { kind: "stop", status: view.status, reason: view.reason_code, message: view.message ?? `The action is ${view.status}.`, action: view };
  }
}

export class Gate {
  /** tool call → action id, so a resumed call reads its action (re-proposing after a reviewer's edit would be an idempotency mismatch). */
  private readonly actions = new Map<string, { id: string; args: Record<string, unknown> }>();
  private readonly denied = new Map<string, Stop>();

  constructor(private readonly opts: GateOptions) {}

  get client(): GatehouseAgent {
    return this.opts.client;
  }

  private runId(): string {
    return typeof this.opts.runId === "function" ? this.opts.runId() : this.opts.runId;
  }

  /**
   * The idempotency key of a call: the run id and the framework's tool call id (some providers number
   * their call ids per response, so the id alone could name an older run's action). `keyPrefix: false`
   * (LangGraph, where the caller picks the key) sends the key as given.
   */
  idempotencyKey(runId: string, callId: string): string {
    return this.opts.keyPrefix === false ? callId : `${runId}:${callId}`.slice(0, 200);
  }

  /** This process's key of a call: its tool and idempotency key (so the run id too, unless the caller picks keys). */
  private key(tool: string, callId: string): string {
    return `${tool}\u0000${this.idempotencyKey(this.runId(), callId)}`;
  }

  /** The action id a call was proposed as, if this process proposed it. */
  actionIdOf(tool: string, callId: string): string | undefined {
    return this.actions.get(this.key(tool, callId))?.id;
  }

  /** Record that a call is this action (an action found another way than by proposing it here). */
  remember(tool: string, callId: string, actionId: string, args: Record<string, unknown>): void {
    this.actions.set(this.key(tool, callId), { id: actionId, args });
  }

  /**
   * Propose the call once (the tool call id is the idempotency key), or read
   * its action when it was proposed already. Final args come from Gatehouse.
   */
  async check(ref: ToolCallRef, waitSeconds = 0): Promise<GateOutcome> {
    if (!ref.callId) throw new GatehouseError(0, "no_call_id", "A Gatehouse tool needs the framework's tool call id (the idempotency key).");
    const k = this.key(ref.tool, ref.callId);
    const known = this.actions.get(k);
    if (known) return this.refresh(known.id, waitSeconds, known.args);
    const stopped = this.denied.get(k);
    if (stopped) return stopped;
    const runId = this.runId();
    const p = await this.opts.client.propose({
      run_id: runId,
      tool: ref.tool,
      args: ref.args,
      idempotency_key: this.idempotencyKey(runId, ref.callId),
      ...(ref.reason ? { reason: ref.reason } : {}),
    });
    if (p.status === "denied" && !("action_id" in p)) {
      const out = outcomeOf(p) as Stop;
      this.denied.set(k, out);
      return out;
    }
    const view = p as ActionView;
    this.actions.set(k, { id: view.action_id, args: ref.args });
    if (view.status === "pending" && waitSeconds > 0) return this.refresh(view.action_id, waitSeconds, ref.args);
    return outcomeOf(view, ref.args);
  }

  /** The action's state now (or after a long-poll of up to `waitSeconds` while pending). */
  async refresh(actionId: string, waitSeconds = 0, proposed: Record<string, unknown> = {}): Promise<GateOutcome> {
    const view = waitSeconds > 0 ? await this.opts.client.waitForDecision(actionId, { timeoutMs: waitSeconds * 1000 }) : await this.opts.client.getAction(actionId);
    return outcomeOf(view, proposed);
  }

  /**
   * Run `fn` only with a token: on go, call it with the final args and the token, and report the result.
   * Anything else returns the stop or wait outcome, and `fn` never runs.
   */
  async run<R>(
    ref: ToolCallRef,
    fn: (args: Record<string, unknown>, grant: Grant) => Promise<R> | R,
  ): Promise<{ ran: true; value: R; outcome: Go } | { ran: false; outcome: Stop | Wait }> {
    const outcome = await this.check(ref);
    if (outcome.kind !== "go") return { ran: false, outcome };
    const started = Date.now();
    try {
      const value = await fn(outcome.args, { token: outcome.token, action: outcome.action, args: outcome.args });
      await this.report(outcome.action.action_id, "ok", started);
      return { ran: true, value, outcome };
    } catch (err) {
      await this.report(outcome.action.action_id, "error", started, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private async report(actionId: string, status: "ok" | "error", started: number, error?: string): Promise<void> {
    if (this.opts.reportResults === false) return;
    await this.opts.client.reportResult(actionId, { status, duration_ms: Date.now() - started, ...(error ? { error: error.slice(0, 2000) } : {}) }).catch(() => undefined);
  }
}

/** The text a model reads when a call did not run. */
export function refusalText(outcome: Stop | Wait): string {
  if (outcome.kind === "wait") return `Gatehouse: this call is waiting for approval (action ${outcome.action.action_id}); it has not run.`;
  return `Gatehouse: not run (${outcome.status}: ${outcome.reason}). ${outcome.message}`;
}
