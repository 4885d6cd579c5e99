import "server-only";
import { metrics } from "@/lib/metrics/registry";

/**
 * One-line hooks for the instrumented lib functions. Each is a counter or
 * histogram update in memory; none may throw into the caller.
 */

/** A proposal's decision (not counted again on an idempotent replay). */
export function countDecision(outcome: string, reason: string | undefined): void {
  metrics().decisions.inc({ outcome, reason: reason ?? "none" });
}

/** A pending action reached a decision; `createdAt` is when it was proposed. */
export function observeTimeToDecision(outcome: string, createdAt: Date | null | undefined): void {
  if (!createdAt) return;
  metrics().timeToDecision.observe({ outcome }, Math.max(0, (Date.now() - createdAt.getTime()) / 1000));
}

export function countTokenMinted(kind: "run" | "action"): void {
  metrics().tokensMinted.inc({ kind });
}

export function countRedemption(result: string): void {
  metrics().tokensRedeemed.inc({ result });
}

export function countWebhookDelivery(status: string): void {
  metrics().webhookDeliveries.inc({ status });
}

/** Route handler latency, from lib/http/handler.ts; `route` comes from routeLabel. */
export function observeRequest(method: string, route: string, status: number, startedMs: number): void {
  metrics().requestDuration.observe({ method, route, status: String(status) }, (performance.now() - startedMs) / 1000);
}
