import "server-only";
import { newId } from "@/lib/crypto/new-id";
import { hasSecret } from "@/lib/redact/redact";

const incoming = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * A caller-supplied X-Request-Id is kept when it is well-formed and carries no
 * secret (it is stored in the audit log); otherwise a fresh one.
 */
export function requestIdFrom(headers: Pick<Headers, "get">): string {
  const given = headers.get("x-request-id");
  // Time-ordered like every other id, so the audit log's request-id index grows at its edge.
  return given && incoming.test(given) && !hasSecret(given) ? given : newId("req", 12);
}
