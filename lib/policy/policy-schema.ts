import "server-only";
import { z } from "zod";
import { AppError, zodIssues, type FieldIssue } from "@/lib/errors";
import { APPROVAL_VALID_MAX_SECONDS, type Policy } from "@/lib/policy/types";
import { CONDITION_EFFECTS, MAX_CONDITIONS_PER_TOOL, conditionSyntaxError } from "@/lib/policy/conditions";

/**
 * The one schema for a route policy. Pure: no I/O. Used by the console form,
 * the JSON view, the decision path (stored versions are re-validated on read,
 * so a corrupt row fails closed) and the seed.
 */

/** Same shape as catalog tool names; exact, no trimming or case folding. */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

const toolName = z.string().max(100, "Tool names are at most 100 characters.").regex(TOOL_NAME_PATTERN, "Tool names look like `ticket.close` (lowercase, dot-separated).");

const toolList = z
  .array(toolName)
  .max(500)
  .superRefine((names, ctx) => {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) ctx.addIssue({ code: "custom", path: [i], message: `${n} is listed twice.` });
      seen.add(n);
    });
  });

// Caps keep budgets inside what the Run columns hold (USD is stored as 32-bit micros).
const budgets = z.strictObject({
  steps: z.number().int("Steps must be a whole number.").min(1, "Steps must be at least 1.").max(100_000),
  seconds: z.number().int("Seconds must be a whole number.").min(1, "Seconds must be at least 1.").max(604_800),
  usd: z.number().min(0, "USD must not be negative.").max(1_000),
});

const approvalDefaults = { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false };

const approval = z.strictObject({
  write_approvals: z.number().int().min(1, "A write needs at least one approval.").max(10).default(approvalDefaults.write_approvals),
  pending_ttl_seconds: z.number().int().min(1).max(604_800).default(approvalDefaults.pending_ttl_seconds),
  escalate_after_seconds: z.number().int().min(1).max(604_800).default(approvalDefaults.escalate_after_seconds),
  reads_require_approval: z.boolean().default(approvalDefaults.reads_require_approval),
  // Absent means APPROVAL_VALID_DEFAULT_SECONDS; no default here, so stored policies stay as written.
  valid_seconds: z.number().int().min(1).max(APPROVAL_VALID_MAX_SECONDS).optional(),
});

const condition = z
  .strictObject({
    tool: toolName,
    when: z.string().min(1, "Write a condition, e.g. args.amount_usd <= 20.0.").max(500, "A condition is at most 500 characters."),
    effect: z.enum(CONDITION_EFFECTS),
    approvals: z.number().int().min(1).max(10).optional(),
    note: z.string().max(200).optional(),
  })
  .superRefine((c, ctx) => {
    const err = conditionSyntaxError(c.when);
    if (err) ctx.addIssue({ code: "custom", path: ["when"], message: `Not a valid CEL expression: ${err}` });
    if (c.approvals !== undefined && c.effect !== "require_approval") ctx.addIssue({ code: "custom", path: ["approvals"], message: "approvals only goes with require_approval." });
  });

const conditions = z
  .array(condition)
  .max(50)
  .superRefine((list, ctx) => {
    const perTool = new Map<string, number>();
    list.forEach((c, i) => {
      const n = (perTool.get(c.tool) ?? 0) + 1;
      perTool.set(c.tool, n);
      if (n > MAX_CONDITIONS_PER_TOOL) ctx.addIssue({ code: "custom", path: [i, "tool"], message: `At most ${MAX_CONDITIONS_PER_TOOL} conditions per tool.` });
    });
  });

/** Strict: an unknown key (a typo such as `deny_tool`) is refused rather than silently ignored. */
export const policySchema = z
  .strictObject({
    allow_tools: toolList,
    deny_tools: toolList,
    require_approval: toolList,
    auto_approve: toolList.default([]),
    budgets,
    // Optional, no default: policies without conditions stay exactly as written.
    conditions: conditions.optional(),
    audit: z.strictObject({ enabled: z.boolean() }).default({ enabled: true }),
    approval: approval.default(approvalDefaults),
  })
  .superRefine((p, ctx) => {
    // A tool in deny_tools and in a granting list is a contradiction; refuse it
    // instead of picking a winner the author may not have meant.
    const denied = new Set(p.deny_tools);
    for (const list of ["allow_tools", "require_approval", "auto_approve"] as const) {
      p[list].forEach((name, i) => {
        if (denied.has(name)) {
          ctx.addIssue({ code: "custom", path: [list, i], message: `${name} is in both deny_tools and ${list}.` });
        }
      });
    }
  });

/**
 * Parse a policy from JSON text or a value. Fills the documented defaults.
 * Throws AppError("validation_failed") with field issues when it is invalid.
 */
export function parsePolicy(input: string | unknown): Policy {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      throw new AppError("validation_failed", "The policy is not valid JSON.", { issues: [{ path: "(root)", message: "Not valid JSON." }] });
    }
  }
  const r = policySchema.safeParse(value);
  if (!r.success) {
    throw new AppError("validation_failed", "The policy is not valid.", { issues: zodIssues(r.error.issues) });
  }
  return r.data;
}

/** Like parsePolicy, but returns the issues instead of throwing (for forms). */
export function checkPolicy(input: string | unknown): { ok: true; policy: Policy } | { ok: false; issues: FieldIssue[] } {
  try {
    return { ok: true, policy: parsePolicy(input) };
  } catch (err) {
    if (err instanceof AppError && err.code === "validation_failed") return { ok: false, issues: err.issues ?? [] };
    throw err;
  }
}

/** Tool names the policy mentions that the catalog does not know (flagged in the editor, not refused). */
export function unknownTools(policy: Policy, knownToolNames: Iterable<string>): string[] {
  const known = new Set(knownToolNames);
  const out = new Set<string>();
  for (const name of [...policy.allow_tools, ...policy.deny_tools, ...policy.require_approval, ...policy.auto_approve]) {
    if (!known.has(name)) out.add(name);
  }
  return [...out];
}

/** Policy for display when the stored text might not parse (history view). */
export function parseStoredPolicy(text: string): Policy | null {
  try {
    return parsePolicy(text);
  } catch {
    return null;
  }
}

/** The reason given for a policy change: required, at most 1000 characters. */
export function requireReason(reason: string): string {
  const r = reason.trim();
  if (!r) throw new AppError("validation_failed", "Say why you are changing the policy.", { issues: [{ path: "reason", message: "Required." }] });
  if (r.length > 1000) throw new AppError("validation_failed", "The reason is too long.", { issues: [{ path: "reason", message: "At most 1000 characters." }] });
  return r;
}
