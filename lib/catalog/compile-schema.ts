import Ajv, { type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";

/**
 * JSON Schema compilation for tool arguments: ajv in strict mode, draft 2020-12
 * by default, draft-07 when the schema says so. Pure (no I/O): remote `$ref`s
 * are never fetched, so a schema that needs one does not compile.
 */

const DRAFT_07 = "http://json-schema.org/draft-07/schema";

// A few formats without pulling in ajv-formats; strict mode refuses any other.
const formats = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

// Never coerce, never fill defaults, never strip: the args hash was taken over
// what the agent sent, and validation must not change it.
const options = { strict: true, allErrors: true, addUsedSchema: false, coerceTypes: false, useDefaults: false, removeAdditional: false, formats } as const;

let draft2020: Ajv2020 | undefined;
let draft07: Ajv | undefined;

function engineFor(schema: Record<string, unknown>): Ajv | Ajv2020 {
  const declared = typeof schema.$schema === "string" ? schema.$schema.replace(/#$/, "") : undefined;
  if (declared === DRAFT_07) return (draft07 ??= new Ajv(options));
  return (draft2020 ??= new Ajv2020(options));
}

/** Compile a tool's args schema; throws ajv's error when it is not a valid strict schema. */
export function compileArgsSchema(schema: Record<string, unknown>): ValidateFunction {
  return engineFor(schema).compile(schema);
}
