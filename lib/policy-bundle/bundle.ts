import "server-only";
import { z } from "zod";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { AppError, zodIssues } from "@/lib/errors";
import { EXPECTATION_KINDS } from "@/lib/policy/expectations";
import type { Policy, ToolEntry } from "@/lib/policy/types";

/**
 * The policy-as-code bundle: every route's active policy (with the version it
 * was exported at, the base an apply is judged against), its policy tests,
 * and the catalog. One versioned document, JSON or YAML. Pure.
 */
export const BUNDLE_FORMAT = 1;

export type BundleTest = { tool: string; expect: (typeof EXPECTATION_KINDS)[number]; note?: string };
export type BundleRoute = { name: string; version: number; policy: Policy; tests: BundleTest[] };
export type PolicyBundle = { gatehouse_bundle: typeof BUNDLE_FORMAT; exported_at: string; routes: BundleRoute[]; catalog: ToolEntry[] };

// Policies and catalog entries are validated by their own schemas where they are used (parsePolicy, the catalog's); here only the shape.
const bundleSchema = z.strictObject({
  gatehouse_bundle: z.literal(BUNDLE_FORMAT),
  exported_at: z.string().max(40),
  routes: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        version: z.number().int().min(1),
        policy: z.record(z.string(), z.unknown()),
        tests: z.array(z.strictObject({ tool: z.string().min(1).max(100), expect: z.enum(EXPECTATION_KINDS), note: z.string().max(500).optional() })).max(500),
      }),
    )
    .max(1000),
  catalog: z.array(z.record(z.string(), z.unknown())).max(5000),
});

/** Read a bundle from JSON or YAML text (YAML is a superset; JSON is tried first for exact numbers). 422 with issues when it is not one. */
export function parseBundle(text: string): PolicyBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      // No custom tags, no aliases beyond a small bound: data only.
      value = parseYaml(text, { maxAliasCount: 50, customTags: [] });
    } catch (e) {
      throw new AppError("validation_failed", "The bundle is neither JSON nor YAML.", { issues: [{ path: "(root)", message: String((e as Error).message).split("\n")[0]! }] });
    }
  }
  const r = bundleSchema.safeParse(value);
  if (!r.success) throw new AppError("validation_failed", "This is not a Gatehouse policy bundle.", { issues: zodIssues(r.error.issues) });
  return r.data as unknown as PolicyBundle;
}

export function bundleToYaml(b: PolicyBundle): string {
  return stringifyYaml(b, { lineWidth: 0 });
}
