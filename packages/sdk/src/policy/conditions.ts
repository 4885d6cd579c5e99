import { Environment } from "@marcbachmann/cel-js";
import type { FieldIssue } from "./types";
import type { Policy, PolicyCondition, ToolEntry, ToolKind } from "./types";

/**
 * Argument conditions: CEL expressions over a call's `args`, attached to a
 * route policy. Pure: parsing and evaluation happen in memory, no I/O.
 *
 * - Each condition is parsed once per policy version (cached on the policy
 *   object, which the decision path caches per version id).
 * - At save time every condition is type-checked against its tool's argument
 *   schema: a field the schema does not have is refused (422).
 * - A condition only moves an outcome within what the lists allow: a tool the
 *   lists deny stays denied; `deny` always wins; `require_approval` raises the
 *   approvals (never below the destructive floor of two); `allow` skips
 *   approval for a granted read or write, never for a destructive tool.
 * - Fail closed: a condition that errors at run time (a missing optional field,
 *   a type mismatch) counts as matching when it denies or requires approval,
 *   and as not matching when it allows.
 */

export const CONDITION_EFFECTS = ["deny", "require_approval", "allow"] as const;
export type ConditionEffect = (typeof CONDITION_EFFECTS)[number];

/** The most conditions one tool may have (the semantic diff enumerates their combinations). */
export const MAX_CONDITIONS_PER_TOOL = 6;

/** A CEL type for a JSON Schema node (the catalog's args schemas are small and closed). */
type CelSchema = string | { [field: string]: CelSchema };
function celType(node: unknown): CelSchema {
  const n = (node ?? {}) as { type?: unknown; properties?: Record<string, unknown>; items?: unknown };
  switch (n.type) {
    case "string":
      return "string";
    case "integer":
      return "int";
    case "number":
      return "double";
    case "boolean":
      return "bool";
    case "array": {
      const item = celType(n.items);
      return typeof item === "string" ? `list<${item}>` : "list<map>";
    }
    case "object":
      return n.properties ? Object.fromEntries(Object.entries(n.properties).map(([k, v]) => [k, celType(v)])) : "map";
    default:
      return "dyn";
  }
}

/** The typed environment of one tool: `args` has exactly the schema's fields. */
export function toolEnvironment(tool: ToolEntry): Environment {
  const schema = celType(tool.argsSchema);
  return new Environment({ limits: LIMITS }).registerVariable(typeof schema === "string" ? { name: "args", type: "map" } : { name: "args", schema });
}

const LIMITS = { maxAstNodes: 200, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 };

// The run-time environment: `args` as a map (types were checked at save time against the tool's schema).
const runtimeEnv = new Environment({ limits: LIMITS }).registerVariable("args", "map");

/** Syntax only (no catalog): for the policy schema. Returns an error message or null. */
export function conditionSyntaxError(when: string): string | null {
  try {
    runtimeEnv.parse(when);
    return null;
  } catch (e) {
    return firstLine(e);
  }
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0]!;

/** Type-check every condition against its tool's args schema; issues name `conditions[i].when`. */
export function checkConditions(policy: Policy, tools: ReadonlyMap<string, ToolEntry>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  (policy.conditions ?? []).forEach((c, i) => {
    const tool = tools.get(c.tool);
    if (!tool) {
      issues.push({ path: `conditions.${i}.tool`, message: `${c.tool} is not in the catalog, so its arguments are unknown.` });
      return;
    }
    try {
      const r = toolEnvironment(tool).check(c.when) as { valid: boolean; type?: string; error?: { message?: string } };
      if (!r.valid) issues.push({ path: `conditions.${i}.when`, message: `Not valid for ${c.tool}'s arguments: ${firstLine(r.error?.message ?? "type error")}` });
      else if (r.type !== "bool") issues.push({ path: `conditions.${i}.when`, message: `A condition must be true or false, not ${r.type}.` });
    } catch (e) {
      issues.push({ path: `conditions.${i}.when`, message: firstLine(e) });
    }
  });
  return issues;
}

type Compiled = { tool: string; effect: ConditionEffect; approvals?: number; when: string; fn: (ctx: { args: unknown }) => unknown };

const compiledByPolicy = new WeakMap<Policy, Compiled[]>();

/** Parsed once per policy object (the decision path caches one object per version). */
function compiled(policy: Policy): Compiled[] {
  let c = compiledByPolicy.get(policy);
  if (!c) {
    c = (policy.conditions ?? []).map((x) => {
      let fn: Compiled["fn"];
      try {
        const parsed = runtimeEnv.parse(x.when);
        fn = (ctx) => parsed(ctx);
      } catch {
        // Unparseable (cannot pass the schema, but fail closed anyway): always "errors".
        fn = () => {
          throw new Error("unparseable condition");
        };
      }
      return { tool: x.tool, effect: x.effect, approvals: x.approvals, when: x.when, fn };
    });
    compiledByPolicy.set(policy, c);
  }
  return c;
}

/** JSON args as CEL values: integers where the schema says integer become int (BigInt), other numbers double. */
function toCel(value: unknown, schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: unknown; properties?: Record<string, unknown>; items?: unknown };
  if (typeof value === "number") return s.type === "integer" && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((v) => toCel(v, s.items));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, s.properties?.[k]);
    return out;
  }
  return value;
}

/** A condition that matched, as the combination rule needs it. */
export type Match = Pick<PolicyCondition, "effect" | "approvals" | "when">;

/** The conditions of `policy` on `toolName` that match `args` (fail closed on errors, see above). */
export function matchingConditions(policy: Policy, tool: ToolEntry, args: unknown): Match[] {
  const all = compiled(policy);
  if (all.length === 0) return [];
  let ctx: { args: unknown } | null = null;
  const out: Match[] = [];
  for (const c of all) {
    if (c.tool !== tool.name) continue;
    ctx ??= { args: toCel(args, tool.argsSchema) };
    let hit: boolean;
    try {
      hit = c.fn(ctx) === true;
    } catch {
      hit = c.effect !== "allow";
    }
    if (hit) out.push(c);
  }
  return out;
}

export type BaseOutcome = { outcome: "denied" } | { outcome: "pending"; approvals: number } | { outcome: "allowed" };

/**
 * The combination rule, shared by decide() and the semantic diff: from the
 * lists' outcome and the matching conditions to the final outcome.
 */
export function combine(
  base: BaseOutcome,
  kind: ToolKind,
  writeApprovals: number,
  matches: readonly Match[],
): { outcome: "denied"; by: string } | { outcome: "pending"; approvals: number; by?: string } | { outcome: "allowed"; by?: string } | null {
  if (base.outcome === "denied" || matches.length === 0) return null;
  const deny = matches.find((m) => m.effect === "deny");
  if (deny) return { outcome: "denied", by: deny.when };
  const floor = kind === "destructive" ? 2 : 1;
  const req = matches.filter((m) => m.effect === "require_approval");
  if (req.length) {
    const wanted = Math.max(...req.map((m) => m.approvals ?? (kind === "read" ? 1 : Math.max(1, writeApprovals))));
    return { outcome: "pending", approvals: Math.max(wanted, floor, base.outcome === "pending" ? base.approvals : 0), by: req[0]!.when };
  }
  const allow = matches.find((m) => m.effect === "allow");
  if (allow && kind !== "destructive") return { outcome: "allowed", by: allow.when };
  return null;
}
