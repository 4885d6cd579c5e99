import type { ErrorObject, ValidateFunction } from "ajv";
import type { FieldIssue } from "@/lib/errors";
import type { ToolEntry } from "@/lib/policy/types";
import { compileArgsSchema } from "@/lib/catalog/compile-schema";

const MAX_CACHED = 500;
const MAX_ISSUES = 20;
const cache = new Map<string, ValidateFunction>();

/**
 * A validator for one tool's arguments. Compiled once per tool name and schema
 * text, so an edited schema is picked up and an unchanged one is not recompiled.
 * Arguments must be a JSON object; issues carry dotted field paths.
 */
export function argsValidator(tool: ToolEntry): (args: unknown) => FieldIssue[] {
  const key = `${tool.name}\u0000${JSON.stringify(tool.argsSchema)}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = compileArgsSchema(tool.argsSchema);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, validate);
  }
  const v = validate;
  return (args) => {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      return [{ path: "args", message: "Arguments must be a JSON object." }];
    }
    if (v(args)) return [];
    return (v.errors ?? []).slice(0, MAX_ISSUES).map(toIssue);
  };
}

/** `/customer/id` plus the property ajv names in params → `customer.id`. */
function toIssue(e: ErrorObject): FieldIssue {
  const parts = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const params = e.params as Record<string, unknown>;
  const named = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
  if (typeof named === "string") parts.push(named);
  const path = parts.length ? `args.${parts.join(".")}` : "args";
  const message = e.keyword === "additionalProperties" ? "is not an allowed field" : (e.message ?? "is invalid");
  return { path, message };
}
