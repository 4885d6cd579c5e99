import crypto from "node:crypto";

const incoming = /^[A-Za-z0-9._:-]{8,64}$/;

/** A caller-supplied X-Request-Id is kept when it is well-formed; otherwise a fresh one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given && incoming.test(given) ? given : `req_${crypto.randomBytes(12).toString("base64url")}`;
}
