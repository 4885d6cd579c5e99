import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus registry and instruments. One set per process
 * (kept on globalThis, since Next.js may load this module in several
 * bundles). Counting is an in-memory increment: cheap enough for hot paths.
 * Gauges that need the database or the event bus are filled at scrape time
 * (see collect-gauges.ts), never on the request path. prom-client's default
 * process metrics (CPU, memory, event-loop delay, GC) come along: the agent
 * API's tail latency is mostly event-loop stalls.
 */
function create() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "gatehouse" });
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    decisions: new Counter({
      name: "gatehouse_decisions_total",
      help: "Proposed tool calls decided, by outcome and reason code.",
      labelNames: ["outcome", "reason"],
      registers: r,
    }),
    timeToDecision: new Histogram({
      name: "gatehouse_time_to_decision_seconds",
      help: "From proposal to a human decision (approved, rejected) or cancellation.",
      labelNames: ["outcome"],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
      registers: r,
    }),
    tokensMinted: new Counter({ name: "gatehouse_tokens_minted_total", help: "Capability tokens minted, by kind.", labelNames: ["kind"], registers: r }),
    tokensRedeemed: new Counter({ name: "gatehouse_token_redemptions_total", help: "Action token redemptions, by result.", labelNames: ["result"], registers: r }),
    webhookDeliveries: new Counter({
      name: "gatehouse_webhook_deliveries_total",
      help: "Webhook and callback delivery attempts, by resulting status.",
      labelNames: ["status"],
      registers: r,
    }),
    pending: new Gauge({ name: "gatehouse_pending_actions", help: "Actions waiting for a human (all instances; read from the database at scrape).", registers: r }),
    waiters: new Gauge({ name: "gatehouse_long_poll_waiters", help: "Long-polls waiting on this instance.", registers: r }),
    requestDuration: new Histogram({
      name: "gatehouse_http_request_duration_seconds",
      help: "Route handler latency, by method, route (its path with parameters named) and status.",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: r,
    }),
    mcpCalls: new Counter({
      name: "gatehouse_mcp_calls_total",
      help: "MCP gateway calls, by outcome (allowed_ok, allowed_error, denied, invalid, pending_approved_ok/_error: run by a waiting call, approved_run_ok/_error: run by the background runner, approved_withheld: approved but its tool is no longer servable, so never sent, pending_rejected, pending_waiting, redeem_refused, upstream_error, upstream_busy_wait, upstream_retried, withheld).",
      labelNames: ["outcome"],
      registers: r,
    }),
    mcpUpstreamLatency: new Histogram({
      name: "gatehouse_mcp_upstream_seconds",
      help: "Latency of calls to upstream MCP servers, by upstream, operation and outcome.",
      labelNames: ["upstream", "op", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof create>;

const g = globalThis as unknown as { gatehouseMetrics?: Metrics };

/** The process's instruments. */
export function metrics(): Metrics {
  return (g.gatehouseMetrics ??= create());
}
