import { APPROVAL_VALID_DEFAULT_SECONDS, type Policy, type ToolEntry, type ToolKind } from "@/lib/policy/types";

/**
 * Classify a policy change. Widening needs a second admin; narrowing applies
 * at once. When in doubt a change counts as widening: misfiling a widening as
 * narrowing would let one admin grant access alone. Pure.
 */
export type PolicyComparison = {
  widening: string[];
  narrowing: string[];
  /** Changes that neither grant nor remove access (e.g. the pending TTL). */
  neutral: string[];
};

type ToolKinds = ReadonlyMap<string, ToolKind> | Readonly<Record<string, ToolKind>>;

const added = (from: readonly string[], to: readonly string[]) => to.filter((t) => !from.includes(t));
const removed = (from: readonly string[], to: readonly string[]) => from.filter((t) => !to.includes(t));

/** Compare the current version with a proposed one; each entry is a human-readable sentence. */
export function comparePolicies(current: Policy, proposed: Policy, toolKinds?: ToolKinds): PolicyComparison {
  const out: PolicyComparison = { widening: [], narrowing: [], neutral: [] };
  const kindOf = (t: string): ToolKind | undefined =>
    toolKinds instanceof Map ? toolKinds.get(t) : toolKinds && Object.hasOwn(toolKinds, t) ? (toolKinds as Record<string, ToolKind>)[t] : undefined;
  const label = (t: string) => {
    const k = kindOf(t);
    return k ? `${t} (${k})` : t;
  };
  const grantedBefore = (t: string) => current.allow_tools.includes(t) || current.require_approval.includes(t);

  for (const t of added(current.allow_tools, proposed.allow_tools)) out.widening.push(`Allows ${label(t)}.`);
  for (const t of removed(current.allow_tools, proposed.allow_tools)) out.narrowing.push(`No longer allows ${label(t)}.`);

  for (const t of removed(current.deny_tools, proposed.deny_tools)) {
    // A move into require_approval is reported once, below.
    if (!added(current.require_approval, proposed.require_approval).includes(t)) out.widening.push(`No longer denies ${label(t)}.`);
  }
  for (const t of added(current.deny_tools, proposed.deny_tools)) out.narrowing.push(`Denies ${label(t)}.`);

  for (const t of added(current.require_approval, proposed.require_approval)) {
    // require_approval also grants: a tool that was not usable before becomes usable with approval.
    if (grantedBefore(t)) out.narrowing.push(`Requires approval for ${label(t)}.`);
    else if (current.deny_tools.includes(t)) out.widening.push(`Moves ${label(t)} from denied to requires approval.`);
    else out.widening.push(`Allows ${label(t)} with approval.`);
  }
  for (const t of removed(current.require_approval, proposed.require_approval)) {
    out.widening.push(`No longer requires approval for ${label(t)}.`);
  }

  for (const t of added(current.auto_approve, proposed.auto_approve)) {
    const note = kindOf(t) === "destructive" ? " (no effect: destructive tools always need two people)" : "";
    out.widening.push(`Auto-approves ${label(t)}${note}.`);
  }
  for (const t of removed(current.auto_approve, proposed.auto_approve)) out.narrowing.push(`No longer auto-approves ${label(t)}.`);

  for (const key of ["steps", "seconds", "usd"] as const) {
    const a = current.budgets[key];
    const b = proposed.budgets[key];
    if (b > a) out.widening.push(`Raises the ${key} budget from ${a} to ${b}.`);
    else if (b < a) out.narrowing.push(`Lowers the ${key} budget from ${a} to ${b}.`);
  }

  const ca = current.approval;
  const pa = proposed.approval;
  if (pa.write_approvals < ca.write_approvals) out.widening.push(`Writes need ${pa.write_approvals} approval(s) instead of ${ca.write_approvals}.`);
  else if (pa.write_approvals > ca.write_approvals) out.narrowing.push(`Writes need ${pa.write_approvals} approvals instead of ${ca.write_approvals}.`);
  if (ca.reads_require_approval && !pa.reads_require_approval) out.widening.push("Reads no longer require approval.");
  else if (!ca.reads_require_approval && pa.reads_require_approval) out.narrowing.push("Reads require approval.");
  const cv = ca.valid_seconds ?? APPROVAL_VALID_DEFAULT_SECONDS;
  const pv = pa.valid_seconds ?? APPROVAL_VALID_DEFAULT_SECONDS;
  if (pv > cv) out.widening.push(`Approvals stay usable for ${pv} s instead of ${cv} s.`);
  else if (pv < cv) out.narrowing.push(`Approvals stay usable for ${pv} s instead of ${cv} s.`);
  if (pa.pending_ttl_seconds !== ca.pending_ttl_seconds) {
    out.neutral.push(`Pending actions expire after ${pa.pending_ttl_seconds} s instead of ${ca.pending_ttl_seconds} s.`);
  }
  if (pa.escalate_after_seconds !== ca.escalate_after_seconds) {
    out.neutral.push(`Pending actions escalate after ${pa.escalate_after_seconds} s instead of ${ca.escalate_after_seconds} s.`);
  }

  if (current.audit.enabled && !proposed.audit.enabled) out.widening.push("Disables the audit flag.");
  else if (!current.audit.enabled && proposed.audit.enabled) out.narrowing.push("Enables the audit flag.");

  return out;
}

/** True when the change needs a second admin before it takes effect. */
export function isWidening(current: Policy, proposed: Policy): boolean {
  return comparePolicies(current, proposed).widening.length > 0;
}

/** Tool name → kind, for the human-readable comparison. */
export function kindsOf(tools: ReadonlyMap<string, ToolEntry>): Map<string, ToolKind> {
  return new Map([...tools].map(([n, t]) => [n, t.kind]));
}
