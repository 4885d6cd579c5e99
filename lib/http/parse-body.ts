import "server-only";
import type { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";
import { bufferedBody, type HandlerRequest } from "@/lib/http/node-request";
import { SCOPE_FIELDS } from "@/lib/api/schemas";

// The one way a request body is read, for the agent API and the console alike:
// strict JSON in strict UTF-8 (400 bad_json), at most MAX_BODY_BYTES (413), then the route's
// zod schema (422 with field issues).

export const MAX_BODY_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

export type ReadBodyOptions = {
  /** The value of an empty body (Content-Length: 0) instead of a 400, for routes whose body is optional. */
  empty?: unknown;
  limit?: number;
};

export type ParseBodyOptions = ReadBodyOptions & {
  /** The 422 message when the schema refuses the body. */
  invalid?: string;
};

/** Read the body (see readJson) and validate it with `schema`: 422 with field issues when it does not fit. */
export async function parseBody<S extends z.ZodType>(req: HandlerRequest, schema: S, opts: ParseBodyOptions = {}): Promise<z.infer<S>> {
  return validated(await readJson(req, opts), schema, opts.invalid);
}

/**
 * parseBody for the agent API. A body that tries to set its tenant or
 * environment is refused outright (400): those come from the credential only.
 */
export async function parseAgentBody<S extends z.ZodType>(req: HandlerRequest, schema: S): Promise<z.infer<S>> {
  const body = await readJson(req);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const named = SCOPE_FIELDS.filter((f) => Object.prototype.hasOwnProperty.call(body, f));
    if (named.length) {
      throw new AppError("forbidden_field", `The body may not set ${named.join(", ")}: tenant and environment come from the credential.`);
    }
  }
  return validated(body, schema);
}

function validated<S extends z.ZodType>(body: unknown, schema: S, message = "The request body is invalid."): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError("validation_failed", message, { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}

/**
 * Read a JSON body with a byte limit, refusing duplicate keys, prototype keys,
 * NUL bytes and deep nesting: what the server validates must be what it stores.
 * Routes whose lib function validates the value itself take it from here unvalidated.
 */
export async function readJson(req: HandlerRequest, opts: ReadBodyOptions = {}): Promise<unknown> {
  if (opts.empty !== undefined && req.headers.get("content-length") === "0") return opts.empty;
  const limit = opts.limit ?? MAX_BODY_BYTES;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError("bad_request", "Content-Type must be application/json.");
  }
  const text = await readLimited(req, limit);
  return parseStrictJson(text);
}

/**
 * The raw text of an `application/x-www-form-urlencoded` body (Slack's
 * interactive and slash-command requests, whose signature covers the exact
 * bytes): the same limit and UTF-8 rule as JSON; the caller verifies, then parses.
 */
export async function readFormBody(req: HandlerRequest, opts: ReadBodyOptions = {}): Promise<string> {
  const limit = opts.limit ?? MAX_BODY_BYTES;
  if (Number(req.headers.get("content-length") ?? "0") > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers.get("content-type") ?? "")) {
    throw new AppError("bad_request", "Content-Type must be application/x-www-form-urlencoded.");
  }
  return readLimited(req, limit);
}

/**
 * The text of any body, under the same limit (413) and strict UTF-8 rule (400), whatever its
 * type: for a route whose body a library parses (next-auth), checked before the library sees it.
 */
async function readText(req: HandlerRequest, opts: ReadBodyOptions = {}): Promise<string> {
  const limit = opts.limit ?? MAX_BODY_BYTES;
  if (Number(req.headers.get("content-length") ?? "0") > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
  return readLimited(req, limit);
}

/**
 * For a body a library reads itself (next-auth): read from a clone under the same
 * limit and UTF-8 rule, and, when the library will parse it as JSON, parse it first
 * (400 bad_json). The original is left unread for the library, or cancelled on refusal.
 */
export async function checkLibraryBody(req: Request, opts: { json: boolean }): Promise<void> {
  if (!req.body) return;
  const text = await readText(req.clone()).catch((err: unknown) => {
    req.body?.cancel().catch(() => {});
    throw err;
  });
  if (!opts.json) return;
  try {
    JSON.parse(text);
  } catch {
    throw new AppError("bad_json", "Body is not valid JSON.");
  }
}

async function readLimited(req: HandlerRequest, limit: number): Promise<string> {
  const buffered = bufferedBody(req);
  if (buffered) {
    if (buffered.byteLength > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
    return utf8(buffered);
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: a tee'd body (a clone's) settles its cancel only when the other branch is cancelled too.
      reader.cancel().catch(() => {});
      throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return utf8(Buffer.concat(chunks));
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Bytes that are not UTF-8 are refused (400), not replaced with U+FFFD: what the
 * caller sent, the validator checked and the audit log keeps stay the same string.
 */
function utf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new AppError("bad_json", "Body is not valid UTF-8.");
  }
}

/** JSON.parse plus the checks JSON.parse does not do. */
export function parseStrictJson(text: string): unknown {
  if (text.includes("\u0000")) throw new AppError("bad_json", "Body contains a NUL byte.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("bad_json", "Body is not valid JSON.");
  }
  checkShape(value, 0);
  assertNoDuplicateKeys(text);
  return value;
}

function checkShape(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new AppError("bad_json", `JSON is nested deeper than ${MAX_DEPTH} levels.`);
  if (Array.isArray(value)) {
    for (const v of value) checkShape(v, depth + 1);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") {
        throw new AppError("bad_json", `Key "${k}" is not allowed.`);
      }
      if (k.includes("\u0000")) throw new AppError("bad_json", "Body contains a NUL byte.");
      checkShape(v, depth + 1);
    }
  } else if (typeof value === "string" && value.includes("\u0000")) {
    throw new AppError("bad_json", "Body contains a NUL byte.");
  }
}

/**
 * JSON.parse keeps the last of duplicate keys, so a validator and a tool could
 * read different values. A small scanner over the text finds duplicates.
 */
function assertNoDuplicateKeys(text: string): void {
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) throw new AppError("bad_json", `Duplicate key "${key}".`);
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
    i++;
  }
}
