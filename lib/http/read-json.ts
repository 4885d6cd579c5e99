import { AppError } from "@/lib/errors";
import { bufferedBody } from "@/lib/http/node-request";

export const MAX_BODY_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

/**
 * Read a JSON body with a byte limit, refusing duplicate keys, prototype keys,
 * NUL bytes and deep nesting: what the server validates must be what it stores.
 */
export async function readJson(req: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError("bad_request", "Content-Type must be application/json.");
  }
  const text = await readLimited(req, limit);
  return parseStrictJson(text);
}

async function readLimited(req: Request, limit: number): Promise<string> {
  const buffered = bufferedBody(req);
  if (buffered) {
    if (buffered.byteLength > limit) throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
    return new TextDecoder("utf-8", { fatal: false }).decode(buffered);
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
      await reader.cancel();
      throw new AppError("payload_too_large", `Body is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
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
