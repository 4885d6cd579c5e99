import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { credentialScope } from "@/lib/agents/authenticate-agent";
import { seal } from "@/lib/crypto/seal";
import { generateAgentKey, generateCallbackSecret } from "@/lib/agents/credential-key";

/**
 * Rotate an agent key: a new credential with the same scope (tenant, env,
 * routes, callback allowlist), `rotatedFromId` pointing at the old one, which
 * is revoked in the same transaction (its next request is 401). The new key
 * and callback secret are returned once.
 */
export async function rotateCredential(
  id: string,
  actorId: string | null,
  ctx: { requestId?: string | null } = {},
): Promise<{ id: string; key: string; callbackSecret: string; keyPrefix: string }> {
  const { key, prefix, hash } = generateAgentKey();
  const callbackSecret = generateCallbackSecret();
  const newId = await db().$transaction(async (tx) => {
    const old = await tx.agentCredential.findUnique({ where: { id } });
    if (!old) throw new AppError("not_found", "No such credential.");
    if (old.revokedAt) throw new AppError("conflict", "This credential is revoked; create a new one instead.");
    const cred = await tx.agentCredential.create({
      data: {
        name: old.name,
        tenantId: old.tenantId,
        env: old.env,
        routes: old.routes,
        keyPrefix: prefix,
        keyHash: hash,
        callbackSecret: "pending",
        callbackAllowlist: old.callbackAllowlist,
        createdById: actorId,
        rotatedFromId: old.id,
      },
    });
    await tx.agentCredential.update({ where: { id: cred.id }, data: { callbackSecret: seal(callbackSecret, `callback-secret:${cred.id}`) } });
    // Conditional: two concurrent rotations cannot both succeed.
    const revoked = await tx.agentCredential.updateMany({ where: { id: old.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (revoked.count !== 1) throw new AppError("conflict", "This credential was revoked or rotated meanwhile.");
    await appendAudit(tx, {
      type: "credential.rotated",
      actorType: actorId ? "user" : "system",
      actorId,
      requestId: ctx.requestId ?? null,
      tenantId: old.tenantId,
      env: old.env,
      credentialScope: credentialScope(old),
      data: { credential_id: cred.id, rotated_from_id: old.id, old_key_prefix: old.keyPrefix, key_prefix: prefix },
    });
    return cred.id;
  });
  return { id: newId, key, callbackSecret, keyPrefix: prefix };
}
