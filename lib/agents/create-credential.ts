import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { credentialScope } from "@/lib/agents/authenticate-agent";
import { seal } from "@/lib/crypto/seal";
import { generateAgentKey, generateCallbackSecret } from "@/lib/agents/credential-key";
import { ENVIRONMENTS } from "@/lib/policy/types";

export type NewCredential = {
  name: string;
  tenantId: string;
  env: string;
  routes: string[];
  callbackAllowlist?: string[];
  createdById?: string | null;
};

/**
 * Create an agent credential bound to one tenant, one environment and a set
 * of routes. The key is returned once and stored only as a hash.
 */
export async function createCredential(input: NewCredential, ctx: { requestId?: string | null } = {}): Promise<{ id: string; key: string; callbackSecret: string }> {
  if (!(ENVIRONMENTS as readonly string[]).includes(input.env)) {
    throw new AppError("validation_failed", "Unknown environment.", { issues: [{ path: "env", message: `one of ${ENVIRONMENTS.join(", ")}` }] });
  }
  const { key, prefix, hash } = generateAgentKey();
  const callbackSecret = generateCallbackSecret();
  const id = await db().$transaction(async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { id: input.tenantId } });
    if (!tenant) throw new AppError("validation_failed", "Unknown tenant.", { issues: [{ path: "tenantId", message: "no such tenant" }] });
    const known = await tx.route.findMany({ where: { name: { in: input.routes } }, select: { name: true } });
    const missing = input.routes.filter((r) => !known.some((k) => k.name === r));
    if (missing.length) throw new AppError("validation_failed", "Unknown routes.", { issues: [{ path: "routes", message: missing.join(", ") }] });
    const cred = await tx.agentCredential.create({
      data: {
        name: input.name,
        tenantId: input.tenantId,
        env: input.env,
        routes: JSON.stringify(input.routes),
        keyPrefix: prefix,
        keyHash: hash,
        callbackSecret: "pending",
        callbackAllowlist: JSON.stringify(input.callbackAllowlist ?? []),
        createdById: input.createdById ?? null,
      },
    });
    // The seal's context names the row, so the id must exist first.
    await tx.agentCredential.update({ where: { id: cred.id }, data: { callbackSecret: seal(callbackSecret, `callback-secret:${cred.id}`) } });
    await appendAudit(tx, {
      type: "credential.created",
      actorType: input.createdById ? "user" : "system",
      actorId: input.createdById ?? null,
      requestId: ctx.requestId ?? null,
      tenantId: input.tenantId,
      env: input.env,
      credentialScope: credentialScope(input),
      data: { credential_id: cred.id, name: input.name, routes: input.routes, key_prefix: prefix },
    });
    return cred.id;
  });
  return { id, key, callbackSecret };
}

/** Revoke at once: the next request with this key gets 401. */
export async function revokeCredential(id: string, actorId: string | null, ctx: { requestId?: string | null } = {}): Promise<void> {
  await db().$transaction(async (tx) => {
    const cred = await tx.agentCredential.findUnique({ where: { id } });
    if (!cred) throw new AppError("not_found", "No such credential.");
    if (cred.revokedAt) return;
    await tx.agentCredential.update({ where: { id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, {
      type: "credential.revoked",
      actorType: actorId ? "user" : "system",
      actorId,
      requestId: ctx.requestId ?? null,
      tenantId: cred.tenantId,
      env: cred.env,
      credentialScope: credentialScope(cred),
      data: { credential_id: id, key_prefix: cred.keyPrefix },
    });
  });
}
