import { checkCallbackUrl, normalizeHost } from "@/lib/webhooks/callback-url";

/**
 * Save-time check of a tool's preview endpoint, with the callback rules:
 * http(s) only, no user name or password, no fragment, bounded length, and no
 * private, loopback, link-local or internal target unless the admin marked the
 * endpoint `allowPrivate` (as for a webhook endpoint). The connect-time filter
 * (lib/previews/request-preview.ts) stops a public name that resolves inside.
 */
export function previewUrlIssue(raw: string, allowPrivate: boolean): string | null {
  let host = "";
  try {
    host = normalizeHost(new URL(raw).hostname);
  } catch {
    // checkCallbackUrl says why
  }
  const check = checkCallbackUrl(raw, allowPrivate && host ? [host] : []);
  if (!check.ok) return check.message;
  if (check.url.search) return "must not contain a query string (it would be logged)";
  return null;
}
