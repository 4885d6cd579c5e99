import "server-only";
import { z } from "zod";
import { sqlRead, sqlTransaction } from "@/lib/db/sql";
import { findAgentCredentialByPrefix, touchAgentCredential } from "@/lib/db/tables/agent-credential";
import { AppError } from "@/lib/errors";
import type { AgentCredential } from "@/lib/db/types";
import { agentKeyMatches, parseAgentKey } from "@/lib/agents/credential-key";

export type AgentPrincipal = {
  credentialId: string;
  name: string;
  tenantId: string;
  env: string;
  routes: string[];
  callbackAllowlist: string[];
};

const stringList = z.array(z.string());

/** A credential's stored route list (JSON text), checked: anything but a list of names throws. */
export function parseCredentialRoutes(routes: string): string[] {
  return stringList.parse(JSON.parse(routes));
}

/** `tenant/env` — the credential scope written into audit rows. */
export function credentialScope(p: { tenantId: string; env: string }): string {
  return `${p.tenantId}/${p.env}`;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Step 1 of the decision: the bearer key names a live credential, or 401.
 * Unknown, malformed and revoked keys all get the same answer.
 */
export async function authenticateAgent(req: { readonly headers: Pick<Headers, "get"> }): Promise<AgentPrincipal> {
  const header = req.headers.get("authorization") ?? "";
  const m = /^Bearer ([^\s]+)$/.exec(header);
  const refuse = () => new AppError("unauthenticated", "A valid agent key is required (Authorization: Bearer …).");
  if (!m) throw refuse();
  const key = m[1]!;
  const parsed = parseAgentKey(key);
  if (!parsed) throw refuse();
  const cred = await sqlRead((sql) => findAgentCredentialByPrefix(sql, parsed.prefix));
  if (!cred || !agentKeyMatches(key, cred.keyHash) || cred.revokedAt !== null) throw refuse();
  const now = Date.now();
  const lastUsed = cred.lastUsedAt;
  if (!lastUsed || now - lastUsed.getTime() > LAST_USED_RESOLUTION_MS) {
    // Coarse on purpose: a write per request would cost the hot path.
    await sqlTransaction((sql) => touchAgentCredential(sql, cred.id, new Date(now)));
  }
  return principalOf(cred);
}

/** The principal a credential row stands for (its key already checked, or Gatehouse acting on a call the agent made). */
export function principalOf(cred: AgentCredential): AgentPrincipal {
  return {
    credentialId: cred.id,
    name: cred.name,
    tenantId: cred.tenantId,
    env: cred.env,
    routes: parseCredentialRoutes(cred.routes),
    callbackAllowlist: stringList.parse(JSON.parse(cred.callbackAllowlist)),
  };
}
