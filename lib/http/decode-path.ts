import "server-only";

/** decodeURIComponent that answers null for a malformed escape (`%E0%A4%A`, `%ZZ`, overlong UTF-8) instead of throwing. */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * True when every %-escape in the path part of `url` (query ignored) decodes:
 * a path the routers can route. Anything else is answered 400 before routing,
 * by the bare router and the combined server alike (and by proxy.ts under `next start`).
 */
export function isDecodablePath(url: string): boolean {
  const q = url.search(/[?#]/);
  const path = q === -1 ? url : url.slice(0, q);
  return !path.includes("%") || decodeSegment(path) !== null;
}
