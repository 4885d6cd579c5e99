// The words for why the re-check at approval time denied an action: one place for the console's toast and Slack's answer.
import type { DeniedAtDecision } from "@/lib/actions/vote-on-action";

/**
 * Why an approval ended as "denied" at the decision-time re-check, for every reason it can give (decide()'s
 * allowing and pending codes never deny; the type makes a new denial reason fail to compile until it has words).
 */
const DENIED_BECAUSE: Record<Exclude<DeniedAtDecision, "read_allowed" | "auto_approved" | "approval_required" | "idempotency_mismatch">, string> = {
  kill_switch: "a kill switch stopped it",
  circuit_open: "the route's circuit breaker is open",
  credential_revoked: "the agent's credential was revoked",
  tool_denied: "the current policy denies the tool",
  not_allowed: "the current policy no longer allows the tool",
  unknown_route: "the route has no active policy",
  unknown_tool: "the tool left the catalog",
  route_not_permitted: "the agent may no longer use the route",
  tool_withheld:
    "Gatehouse would not run this MCP call now (its upstream is off, the tool changed upstream since admins approved it, or the upstream has no credential for this tenant and environment)",
  invalid_args: "its arguments no longer match the tool's current schema",
  budget_steps: "the run has used all its steps",
  budget_seconds: "the run's time budget is used up",
  budget_usd: "the call would exceed the run's USD budget",
  run_ended: "its run has ended",
};

/** Why an approval was denied at the re-check, in words (an unknown code is shown as it is, never hidden). */
export function deniedBecause(reason: string | undefined): string {
  if (reason && Object.hasOwn(DENIED_BECAUSE, reason)) return DENIED_BECAUSE[reason as keyof typeof DENIED_BECAUSE];
  return reason ? `reason: ${reason}` : "the re-check at approval time refused it";
}
