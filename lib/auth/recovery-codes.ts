import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";

/**
 * One-time recovery codes: the break-glass sign-in when password sign-in is
 * off (GATEHOUSE_PASSWORD_SIGNIN=off) and the identity provider is down. An
 * admin's password plus one unspent code signs in once; each use is audited
 * as an alert (`user.recovery_sign_in`, status "alert") and printed to the
 * server log for whoever watches it. Codes are 20 random bytes, so a SHA-256
 * of each is enough to store; they are shown once, by scripts/recovery-codes.ts.
 */

export const RECOVERY_CODES_PER_USER = 10;

const hashCode = (code: string) => crypto.createHash("sha256").update(code.trim().toLowerCase().replace(/-/g, "")).digest("hex");

/** Replace the user's unspent codes with new ones; returns them (shown once). Audited. */
export async function createRecoveryCodes(userId: string, actor: { actorType: "system" | "user"; actorId: string | null }): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES_PER_USER }, () =>
    crypto
      .randomBytes(20)
      .toString("hex")
      .replace(/(.{8})(?!$)/g, "$1-"),
  );
  await db().$transaction(async (tx) => {
    await tx.recoveryCode.deleteMany({ where: { userId, usedAt: null } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: hashCode(c) })) });
    await appendAudit(tx, { type: "user.recovery_codes_created", ...actor, status: "ok", data: { user_id: userId, count: codes.length } });
  });
  return codes;
}

/** Spend one of the user's unspent codes (one conditional update: a code signs in once, even under concurrency). */
export async function spendRecoveryCode(userId: string, code: string, meta: { ip?: string; requestId?: string }): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const { count } = await tx.recoveryCode.updateMany({ where: { userId, codeHash: hashCode(code), usedAt: null }, data: { usedAt: new Date() } });
    if (count !== 1) return false;
    const left = await tx.recoveryCode.count({ where: { userId, usedAt: null } });
    await appendAudit(tx, {
      type: "user.recovery_sign_in",
      actorType: "user",
      actorId: userId,
      requestId: meta.requestId ?? null,
      status: "alert",
      data: { user_id: userId, ip: meta.ip ?? null, codes_left: left },
    });
    console.warn(`ALERT recovery sign-in by user ${userId} from ${meta.ip ?? "unknown"} (${left} recovery codes left)`);
    return true;
  });
}
