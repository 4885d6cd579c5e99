import crypto from "node:crypto";

const incoming = /^[A-Za-z0-9._:-]{8,64}$/;

/** A caller-supplied X-Request-Id is kept when it is well-formed; otherwise a fresh one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  // randomUUID draws from a cached entropy pool: ~0.5 µs, against ~7 µs for randomBytes(12) here. Same form as proxy.ts.
  return given && incoming.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}
