import type { ActionView, ProposeActionInput } from "./api-schemas";

/** What the agent runtime gets back from a proposal: a decision, never an exception for "no". */
export type Proposal = ActionView | { status: "denied"; reason_code: string; message: string; request_id: string };

export type RunInfo = {
  run_id: string;
  route: string;
  tenant: string;
  env: string;
  run_token: string;
  run_token_expires_at: string;
  tools: string[];
  budgets: { steps: { max: number; used: number }; seconds: { max: number; expires_at: string }; usd: { max: number; used: number } };
};

/** A non-decision failure from the API (401, 404, 422, 5xx …). */
export class GatehouseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "GatehouseError";
  }
}

export type AgentClientOptions = { baseUrl: string; apiKey: string; fetch?: typeof fetch };

/**
 * The agent runtime's client. Tokens it receives are for tool auth only:
 * keep them out of prompts and logs.
 */
export class GatehouseAgent {
  private readonly base: string;
  private readonly key: string;
  private readonly f: typeof fetch;

  constructor(opts: AgentClientOptions) {
    this.base = opts.baseUrl.replace(/\/$/, "");
    this.key = opts.apiKey;
    this.f = opts.fetch ?? fetch;
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; data: T }> {
    const res = await this.f(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const data = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string; request_id?: string; reason?: string } };
    return { status: res.status, data };
  }

  private fail(status: number, data: unknown): never {
    const e = (data as { error?: { code?: string; message?: string; request_id?: string } }).error ?? {};
    throw new GatehouseError(status, e.code ?? "unknown", e.message ?? `HTTP ${status}`, e.request_id, data);
  }

  /** Start a run on a route; the run token covers the route's allowed read tools. */
  async startRun(route: string): Promise<RunInfo> {
    const { status, data } = await this.call<RunInfo>("POST", "/api/v1/runs", { route });
    if (status !== 201) this.fail(status, data);
    return data;
  }

  /** A fresh run token, while the run is within its budgets. */
  async refreshRunToken(runId: string): Promise<RunInfo> {
    const { status, data } = await this.call<RunInfo>("POST", `/api/v1/runs/${encodeURIComponent(runId)}/token`);
    if (status !== 200) this.fail(status, data);
    return data;
  }

  /** Propose a tool call. Denials come back as a value with a reason code. */
  async propose(input: ProposeActionInput): Promise<Proposal> {
    const { status, data } = await this.call<ActionView>("POST", "/api/v1/actions", input);
    if (status === 200 || status === 202) return data;
    const err = (data as { error?: { code?: string; reason?: string; message?: string; request_id?: string } }).error;
    if (status === 403 && err?.code === "denied") {
      return { status: "denied", reason_code: err.reason ?? "denied", message: err.message ?? "denied", request_id: err.request_id ?? "" };
    }
    this.fail(status, data);
  }

  async getAction(actionId: string, waitSeconds = 0, signal?: AbortSignal): Promise<ActionView> {
    const q = waitSeconds > 0 ? `?wait=${Math.min(55, Math.floor(waitSeconds))}` : "";
    const { status, data } = await this.call<ActionView>("GET", `/api/v1/actions/${encodeURIComponent(actionId)}${q}`, undefined, signal);
    if (status !== 200) this.fail(status, data);
    return data;
  }

  /**
   * Wait until the action leaves "pending": long-polls, and backs off
   * (up to 10 s) when the server cannot be reached, until `timeoutMs`.
   */
  async waitForDecision(actionId: string, opts: { timeoutMs?: number; pollSeconds?: number } = {}): Promise<ActionView> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
    let backoff = 250;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return this.getAction(actionId);
      try {
        const view = await this.getAction(actionId, Math.max(1, Math.min(opts.pollSeconds ?? 25, Math.ceil(left / 1000))));
        if (view.status !== "pending") return view;
        backoff = 250;
      } catch (err) {
        if (err instanceof GatehouseError && err.status < 500) throw err;
        await new Promise((r) => setTimeout(r, Math.min(backoff, Math.max(0, deadline - Date.now()))));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  async cancel(actionId: string): Promise<ActionView> {
    const { status, data } = await this.call<ActionView>("POST", `/api/v1/actions/${encodeURIComponent(actionId)}/cancel`);
    if (status !== 200) this.fail(status, data);
    return data;
  }

  async reportResult(actionId: string, result: { status: "ok" | "error"; duration_ms: number; error?: string }): Promise<void> {
    const { status, data } = await this.call("POST", `/api/v1/actions/${encodeURIComponent(actionId)}/result`, result);
    if (status !== 201) this.fail(status, data);
  }
}
