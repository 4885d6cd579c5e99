import type { FieldIssue } from "./types";
import type { Policy, ReasonCode, ToolEntry } from "./types";
import { combine, matchingConditions, type BaseOutcome } from "./conditions";

/**
 * THE decision, steps 2–7 and 9 of the product brief. Pure: no I/O, no clock
 * (the caller passes `nowMs`). Step 1 (authentication) happens before, step 8
 * (idempotency) and the atomic budget decrement happen in the persistence layer.
 */
export type DecisionInput = {
  /** Routes the agent credential may use. */
  credentialRoutes: readonly string[];
  routeName: string;
  /** null = unknown route. */
  route: { policy: Policy; breakerOpen: boolean } | null;
  /** Already resolved for this tenant and tool. */
  killSwitch: { tenant: boolean; tool: boolean };
  toolName: string;
  /** null = unknown tool (exact, case-sensitive lookup done by the caller). */
  tool: ToolEntry | null;
  /** Omitted at approval-time re-checks. */
  budget?: {
    stepsUsed: number;
    stepsMax: number;
    nowMs: number;
    expiresAtMs: number;
    usdUsedMicros: number;
    usdMaxMicros: number;
    costMicros: number;
  };
  /** Omitted at approval-time re-checks. */
  validateArgs?: (tool: ToolEntry) => FieldIssue[];
  /**
   * The call's arguments, for the policy's argument conditions. Omitted at
   * approval-time re-checks: those keep the approvals the proposal needed
   * (stored on the action), so conditions only ever ran on the agent's args.
   */
  args?: unknown;
};

export type Decision =
  | { outcome: "denied"; reason: ReasonCode; message: string }
  | { outcome: "invalid"; reason: "invalid_args"; message: string; issues: FieldIssue[] }
  | { outcome: "allowed"; reason: "read_allowed" | "auto_approved" }
  | { outcome: "pending"; reason: "approval_required"; approvalsRequired: number };

/** Destructive tools always need at least this many distinct humans. */
export const DESTRUCTIVE_MIN_APPROVALS = 2;

const deny = (reason: ReasonCode, message: string): Decision => ({ outcome: "denied", reason, message });

/** Decide one proposed tool call. Any deny ends it; the order is the brief's. */
export function decide(input: DecisionInput): Decision {
  const { routeName, toolName } = input;

  // 2. Checked before existence, so a credential learns nothing about routes it may not use.
  if (!input.credentialRoutes.includes(routeName)) {
    return deny("route_not_permitted", `This agent credential may not use the route ${routeName}.`);
  }
  const route = input.route;
  if (!route) return deny("unknown_route", `The route ${routeName} does not exist or has no active policy.`);

  // 3.
  if (input.killSwitch.tenant) return deny("kill_switch", "A kill switch has stopped all actions for this tenant.");
  if (input.killSwitch.tool) return deny("kill_switch", `A kill switch has stopped the tool ${toolName}.`);
  if (route.breakerOpen) return deny("circuit_open", `The circuit breaker for the route ${routeName} is open; a human must reset it.`);

  // 4. The caller looked the name up exactly; a tool whose name differs in any way is unknown.
  const tool = input.tool;
  if (!tool || tool.name !== toolName) return deny("unknown_tool", `There is no tool named ${toolName}.`);

  // 5. Deny by default.
  const p = route.policy;
  if (p.deny_tools.includes(toolName)) return deny("tool_denied", `denied: ${toolName} is denied on the route ${routeName}.`);
  const needsApproval = p.require_approval.includes(toolName);
  if (!needsApproval && !p.allow_tools.includes(toolName)) {
    return deny("not_allowed", `not allowed: ${toolName} is not allowed on the route ${routeName}.`);
  }

  // 6.
  const b = input.budget;
  if (b) {
    if (b.stepsUsed >= b.stepsMax) return deny("budget_steps", `The run has used all ${b.stepsMax} of its steps.`);
    if (b.nowMs >= b.expiresAtMs) return deny("budget_seconds", "The run's time budget is used up.");
    if (b.usdUsedMicros + b.costMicros > b.usdMaxMicros) return deny("budget_usd", "This call would exceed the run's USD budget.");
  }

  // 7. Invalid arguments are never pending.
  if (input.validateArgs) {
    const issues = input.validateArgs(tool);
    if (issues.length > 0) {
      return { outcome: "invalid", reason: "invalid_args", message: `The arguments do not match the schema of ${toolName}.`, issues };
    }
  }

  // 9.
  const d = listOutcome(p, tool, needsApproval);
  if (input.args === undefined || !p.conditions?.length || d.outcome === "denied") return d;
  // Argument conditions move the outcome only within what the lists allow (deny wins, destructive never under two).
  const base: BaseOutcome = d.outcome === "pending" ? { outcome: "pending", approvals: d.approvalsRequired } : { outcome: "allowed" };
  const c = combine(base, tool.kind, p.approval.write_approvals, matchingConditions(p, tool, input.args));
  if (!c) return d;
  if (c.outcome === "denied") return deny("tool_denied", `denied: a condition on ${toolName} refuses these arguments on the route ${routeName} (${c.by}).`);
  if (c.outcome === "pending") return { outcome: "pending", reason: "approval_required", approvalsRequired: c.approvals };
  return { outcome: "allowed", reason: tool.kind === "read" ? "read_allowed" : "auto_approved" };
}

/** Step 9 from the lists alone. */
function listOutcome(p: Policy, tool: ToolEntry, needsApproval: boolean): Decision {
  const toolName = tool.name;
  const writeApprovals = Math.max(1, p.approval.write_approvals);
  switch (tool.kind) {
    case "destructive":
      // auto_approve can never skip this, and two distinct humans is the floor.
      return { outcome: "pending", reason: "approval_required", approvalsRequired: Math.max(DESTRUCTIVE_MIN_APPROVALS, writeApprovals) };
    case "write":
      if (!needsApproval && p.auto_approve.includes(toolName)) return { outcome: "allowed", reason: "auto_approved" };
      return { outcome: "pending", reason: "approval_required", approvalsRequired: writeApprovals };
    case "read":
      if (needsApproval || p.approval.reads_require_approval) return { outcome: "pending", reason: "approval_required", approvalsRequired: 1 };
      return { outcome: "allowed", reason: "read_allowed" };
    default:
      // An unrecognised kind must never fall through to "allowed".
      return deny("unknown_tool", `The tool ${toolName} has an unknown kind.`);
  }
}
