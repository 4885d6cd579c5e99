/**
 * The shapes the decision works on. Pure data: no I/O, no framework imports.
 */
import type { DisplaySpec } from "@/lib/catalog/display-spec";
export const ENVIRONMENTS = ["prod", "staging", "dev"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** How long an approval (or an allow) may still be turned into a fresh token: the default, and the hard maximum. */
export const APPROVAL_VALID_DEFAULT_SECONDS = 3_600;
export const APPROVAL_VALID_MAX_SECONDS = 86_400;

export const TOOL_KINDS = ["read", "write", "destructive"] as const;
export type ToolKind = (typeof TOOL_KINDS)[number];

/**
 * An argument condition (CEL over `args`, lib/policy/conditions.ts). It can
 * only move an outcome within what the lists allow.
 */
export type PolicyCondition = {
  tool: string;
  /** A CEL expression over `args`, e.g. `args.amount_usd <= 20.0`, typed against the tool's args schema at save. */
  when: string;
  /** deny: refused; require_approval: needs (at least) `approvals`; allow: skips approval for a granted read or write. */
  effect: "deny" | "require_approval" | "allow";
  approvals?: number;
  note?: string;
};

/** A route's policy (one version). Field names follow the essay's JSON. */
export type Policy = {
  allow_tools: string[];
  deny_tools: string[];
  require_approval: string[];
  /** Writes listed here skip approval; a widening. Destructive tools never skip. */
  auto_approve: string[];
  budgets: { steps: number; seconds: number; usd: number };
  /** Absent = none. Evaluated in order-independent precedence: deny, then require_approval (the highest count), then allow. */
  conditions?: PolicyCondition[];
  audit: { enabled: boolean };
  approval: {
    /** Approvals a write needs (≥ 1). Destructive always needs at least 2 distinct humans. */
    write_approvals: number;
    pending_ttl_seconds: number;
    escalate_after_seconds: number;
    /** Require approval for read tools too. */
    reads_require_approval: boolean;
    /**
     * How long after the decision an approved (or allowed) action may still get
     * a fresh token when the last one expired unredeemed (default 3600, at most 86400).
     */
    valid_seconds?: number;
  };
};

export type BlastRadius = {
  /** What it touches, e.g. "one ticket", "one customer's record and history". */
  scope: string;
  /** Estimated records touched, e.g. 1. */
  records: number;
  description: string;
};

export type Undo = { reversible: true; via: string; note: string } | { reversible: false; note: string };

/** A tool catalog entry. */
export type ToolEntry = {
  name: string;
  kind: ToolKind;
  description: string;
  argsSchema: Record<string, unknown>;
  summaryTemplate: string;
  blastRadius: BlastRadius;
  undo: Undo;
  /** How the approval card renders the args (lib/catalog/display-spec.ts); absent: every schema field shown. */
  displaySpec?: DisplaySpec | null;
  /** The tool service's preview endpoint, asked in the background for the real before/after (lib/previews). */
  preview?: ToolPreviewEndpoint | null;
};

/** Where Gatehouse asks a tool service what an action would change. */
export type ToolPreviewEndpoint = { url: string; allowPrivate: boolean };

/** Every outcome carries one of these codes. */
export const REASON_CODES = [
  "route_not_permitted",
  "unknown_route",
  "kill_switch",
  "circuit_open",
  "unknown_tool",
  "tool_denied",
  "not_allowed",
  "budget_steps",
  "budget_seconds",
  "budget_usd",
  "run_ended",
  "invalid_args",
  "idempotency_mismatch",
  "read_allowed",
  "auto_approved",
  "approval_required",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
