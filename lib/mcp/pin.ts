import "server-only";
import crypto from "node:crypto";

/** JSON with object keys sorted at every level, so equal schemas hash equally whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The pin of an upstream tool: sha256 over its name, description and input schema. Any change in any of them changes it. */
export function toolPin(t: { name: string; description: string; inputSchema: unknown }): string {
  return crypto
    .createHash("sha256")
    .update(canonicalJson({ name: t.name, description: t.description, inputSchema: t.inputSchema }))
    .digest("hex");
}
