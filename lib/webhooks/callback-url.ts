import ipaddr from "ipaddr.js";

export const MAX_CALLBACK_URL_LENGTH = 2048;

/** Cloud metadata services; refused even though some sit in otherwise-routable ranges. */
const METADATA_ADDRESSES = ["169.254.169.254", "fd00:ec2::254"].map((a) => ipaddr.parse(a).toString());

export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Normalize a host or allowlist entry for comparison: lowercase, no IPv6
 * brackets, no trailing dot, IP literals in canonical form ("::1", "127.0.0.1").
 */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (ipaddr.isValid(h)) return ipaddr.parse(h).toString();
  return h;
}

/**
 * True if `hostname` (a URL's hostname) is named by the allowlist.
 * Allowlist entries are exact hostnames ("hooks.corp.internal") or IP literals
 * ("127.0.0.1", "::1", "[::1]"); no wildcards and no CIDR ranges, so an admin
 * grants one target at a time.
 */
export function isHostAllowlisted(hostname: string, allowlist: readonly string[]): boolean {
  const h = normalizeHost(hostname);
  return allowlist.some((entry) => normalizeHost(entry) === h);
}

/** The allowlist's IP literals, canonical, for the connect-time filter. */
export function allowlistedAddresses(allowlist: readonly string[]): string[] {
  return allowlist.map(normalizeHost).filter((e) => ipaddr.isValid(e));
}

/**
 * Why an IP literal may not be a callback target, or null if it is a public
 * unicast address. IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4
 * address it carries.
 */
export function forbiddenAddressReason(address: string): string | null {
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.includes(ip.toString())) return "a cloud metadata address";
  const range = ip.range();
  // Anything but plain unicast (private, loopback, link-local, unique-local,
  // unspecified, multicast, broadcast, reserved, CGNAT, …) stays inside.
  return range === "unicast" ? null : `a ${range} address`;
}

/**
 * Parse-time check of an agent's callback_url. Refuses non-http(s) schemes,
 * userinfo, fragments, over-long URLs, and targets that name the inside
 * (non-public IP literals, localhost, *.localhost, *.internal) unless the host
 * is on the credential's allowlist. A hostname that resolves to a private
 * address later is stopped at connect time by the delivery worker.
 */
export function checkCallbackUrl(raw: string, allowlist: readonly string[]): CallbackUrlCheck {
  if (raw.length > MAX_CALLBACK_URL_LENGTH) return { ok: false, message: `must be at most ${MAX_CALLBACK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "must be an absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, message: "must use http or https" };
  if (url.username || url.password) return { ok: false, message: "must not contain a user name or password" };
  if (url.hash || raw.includes("#")) return { ok: false, message: "must not contain a fragment" };
  const host = normalizeHost(url.hostname);
  if (!host) return { ok: false, message: "must name a host" };
  if (isHostAllowlisted(host, allowlist)) return { ok: true, url };
  if (ipaddr.isValid(host)) {
    const why = forbiddenAddressReason(host);
    if (why) return { ok: false, message: `targets ${why}; an admin must allowlist it` };
    return { ok: true, url };
  }
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal")) {
    return { ok: false, message: "targets an internal host name; an admin must allowlist it" };
  }
  return { ok: true, url };
}
