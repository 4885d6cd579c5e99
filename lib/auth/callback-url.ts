/** Longer destinations are refused outright (no console path is anywhere near this). */
const MAX_LENGTH = 2048;

/**
 * The post-sign-in destination for a caller-supplied callbackUrl: a path on
 * `origin` (the console's own origin), or "/" for anything else. Judged the
 * way a browser will read it — tab, CR and LF removed and leading/trailing C0
 * controls and spaces trimmed (WHATWG URL parsing does both), then parsed
 * against `origin` and the origins compared — so `/\t/evil.example`,
 * `/\evil.example`, `//evil.example` or `https://evil.example` all become "/".
 * The result is the URL serializer's own output (path, query, fragment;
 * percent-encoded ASCII, never starting with `//`), so it is safe in a
 * Location header and in `window.location.assign`. Pure; the one function
 * every reader of callbackUrl goes through.
 */
export function safeCallbackPath(value: unknown, origin: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return "/";
  const cleaned = value.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
  // Only a path (or an absolute URL on this very origin); a scheme-relative or backslash start never is.
  if (!cleaned.startsWith("/") && !cleaned.toLowerCase().startsWith(`${origin.toLowerCase()}/`) && cleaned.toLowerCase() !== origin.toLowerCase()) return "/";
  if (/^[/\\]{2}/.test(cleaned)) return "/";
  let url: URL;
  let own: URL;
  try {
    own = new URL(origin);
    url = new URL(cleaned, own);
  } catch {
    return "/";
  }
  if (url.origin !== own.origin || url.username || url.password) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//evil.example" parses to the path "//evil.example", which as a relative Location is another host.
  if (!path.startsWith("/") || /^[/\\]{2}/.test(path)) return "/";
  return path;
}
