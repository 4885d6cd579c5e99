import "server-only";
import { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";
import { TOOL_KINDS, type ToolEntry } from "@/lib/policy/types";
import { TOOL_NAME_PATTERN } from "@/lib/policy/policy-schema";
import { compileArgsSchema } from "@/lib/catalog/compile-schema";
import { displaySpecIssues, displaySpecSchema } from "@/lib/catalog/display-spec";
import { previewUrlIssue } from "@/lib/previews/preview-url";

/** Largest args schema we accept, as JSON text; write tools are meant to be narrow. */
export const MAX_ARGS_SCHEMA_CHARS = 16_000;

const blastRadius = z.strictObject({
  scope: z.string().min(1).max(200),
  records: z.number().int().min(0).max(1_000_000_000),
  description: z.string().max(1000),
});

const undo = z.discriminatedUnion("reversible", [
  z.strictObject({ reversible: z.literal(true), via: z.string().regex(TOOL_NAME_PATTERN, "`via` names the tool that undoes it."), note: z.string().max(500) }),
  z.strictObject({ reversible: z.literal(false), note: z.string().max(500) }),
]);

/** Shape of a catalog entry; `parseToolEntry` also proves the args schema compiles. */
export const toolEntrySchema = z.strictObject({
  name: z.string().max(100).regex(TOOL_NAME_PATTERN, "Tool names look like `ticket.close` (lowercase, dot-separated)."),
  kind: z.enum(TOOL_KINDS),
  description: z.string().max(1000).default(""),
  argsSchema: z.record(z.string(), z.unknown()).refine((s) => s.type === "object", 'The args schema must describe an object (`"type": "object"`).'),
  summaryTemplate: z.string().min(1).max(200),
  blastRadius,
  undo,
  displaySpec: displaySpecSchema.nullish(),
  preview: z.strictObject({ url: z.string().min(1).max(2048), allowPrivate: z.boolean().default(false) }).nullish(),
});

/**
 * Validate a catalog entry, including that ajv (strict) compiles its args
 * schema. Throws AppError("validation_failed") with field issues otherwise.
 */
export function parseToolEntry(input: unknown): ToolEntry {
  const r = toolEntrySchema.safeParse(input);
  if (!r.success) throw new AppError("validation_failed", "The tool entry is not valid.", { issues: zodIssues(r.error.issues) });
  const entry = r.data as ToolEntry;
  if (JSON.stringify(entry.argsSchema).length > MAX_ARGS_SCHEMA_CHARS) {
    throw new AppError("validation_failed", "The tool entry is not valid.", {
      issues: [{ path: "argsSchema", message: `The args schema is larger than ${MAX_ARGS_SCHEMA_CHARS} characters.` }],
    });
  }
  try {
    compileArgsSchema(entry.argsSchema);
  } catch (err) {
    const message = err instanceof Error ? err.message : "does not compile";
    throw new AppError("validation_failed", "The tool entry is not valid.", {
      issues: [{ path: "argsSchema", message: `Not a valid JSON Schema: ${message}` }],
    });
  }
  const issues = [
    ...(entry.displaySpec ? displaySpecIssues(entry.displaySpec, entry.argsSchema) : []),
    ...(entry.preview ? [previewUrlIssue(entry.preview.url, entry.preview.allowPrivate)].flatMap((m) => (m ? [{ path: "preview.url", message: m }] : [])) : []),
  ];
  if (issues.length) throw new AppError("validation_failed", "The tool entry is not valid.", { issues });
  return entry;
}
