import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { appendAudit } from "@/lib/audit/append";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { clearFailures, takeAttempt } from "@/lib/auth/rate-limit";
import { parseRoles } from "@/lib/auth/roles";
import { spendRecoveryCode } from "@/lib/auth/recovery-codes";
import { env } from "@/lib/env";

/** The message authorize() throws when rate limited; the sign-in form maps it to text. */
export const RATE_LIMITED = "RATE_LIMITED";

const credentialsInput = z.object({
  email: z.string().trim().toLowerCase().min(3).max(320),
  password: z.string().min(1).max(1024),
  recoveryCode: z.string().trim().max(100).optional(),
});

export type AuthorizedUser = { id: string; email: string; name: string; sessionEpoch: number };

let dummyHash: Promise<string> | undefined;

/**
 * Check an email + password. Returns the user, or null for any failure
 * (unknown, disabled, no password, wrong password — one answer for all).
 * Throws Error(RATE_LIMITED) before looking at the password when the account
 * already had MAX_FAILURES attempts in the last minute; the check and the
 * count are one step (takeAttempt), so concurrent guesses cannot share a check.
 * With GATEHOUSE_PASSWORD_SIGNIN=off only the recovery sign-in remains: an
 * admin's password plus one of their unspent recovery codes (spent by this
 * sign-in, audited as an alert) — the way in when the identity provider is down.
 */
export async function authorizeCredentials(credentials: Record<string, unknown> | undefined, ip: string, requestId?: string): Promise<AuthorizedUser | null> {
  const parsed = credentialsInput.safeParse(credentials ?? {});
  if (!parsed.success) return null;
  const { email, password, recoveryCode } = parsed.data;
  const recoveryOnly = env().GATEHOUSE_PASSWORD_SIGNIN === "off";
  if (!(await takeAttempt(email, ip))) {
    await db().$transaction((tx) => appendAudit(tx, { type: "user.sign_in_refused", actorType: "user", requestId, status: "rate_limited", data: { email, ip } }));
    throw new Error(RATE_LIMITED);
  }
  const user = await db().user.findUnique({ where: { email } });
  // Unknown users still pay for a hash check, so timing does not reveal which emails exist.
  const hash = user?.passwordHash ?? (await (dummyHash ??= hashPassword("gatehouse-dummy-password")));
  const passwordOk = await verifyPassword(hash, password);
  if (!user || !user.passwordHash || user.disabled || !passwordOk) {
    await db().$transaction((tx) =>
      appendAudit(tx, {
        type: "user.sign_in_failed",
        actorType: "user",
        actorId: user?.id ?? null,
        requestId,
        status: "failed",
        data: { email, ip, method: "password" },
      }),
    );
    return null;
  }
  if (recoveryOnly) {
    const spent = parseRoles(user.roles).includes("admin") && recoveryCode ? await spendRecoveryCode(user.id, recoveryCode, { ip, requestId }) : false;
    if (!spent) {
      await db().$transaction((tx) =>
        appendAudit(tx, {
          type: "user.sign_in_failed",
          actorType: "user",
          actorId: user.id,
          requestId,
          status: "failed",
          data: { email, ip, method: "recovery", reason: recoveryCode ? "bad_recovery_code" : "password_sign_in_off" },
        }),
      );
      return null;
    }
    await clearFailures(email, ip);
    await recordSignIn(user.id, email, "recovery", { ip, requestId });
    return { id: user.id, email: user.email, name: user.name, sessionEpoch: user.sessionEpoch };
  }
  await clearFailures(email, ip);
  await recordSignIn(user.id, email, "password", { ip, requestId });
  return { id: user.id, email: user.email, name: user.name, sessionEpoch: user.sessionEpoch };
}

/** Stamp lastSignInAt and audit the sign-in, together. */
export async function recordSignIn(userId: string, email: string, method: "password" | "oidc" | "recovery", meta: { ip?: string; requestId?: string } = {}): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { lastSignInAt: new Date() } });
    await appendAudit(tx, {
      type: "user.signed_in",
      actorType: "user",
      actorId: userId,
      requestId: meta.requestId,
      status: "ok",
      data: { email, method, ...(meta.ip ? { ip: meta.ip } : {}) },
    });
  });
}
