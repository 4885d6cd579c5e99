import { canonicalJson } from "./canonical-json";

/** `sha256:<hex>` of the canonical JSON of the args, with WebCrypto only (asynchronous). */
export async function argsHashWeb(args: unknown): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(args))));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return "sha256:" + hex;
}
