import "server-only";
import { db } from "@/lib/db/client";
import type { Tx, User } from "@/lib/db/types";
import { env } from "@/lib/env";
import { appendAudit } from "@/lib/audit/append";
import { seal, unseal } from "@/lib/crypto/seal";
import { formatScopes } from "@/lib/auth/scopes";
import { groupsFromClaims, mapGroups, type MappedAccess } from "@/lib/auth/sso-mapping";

/**
 * Single sign-on users. An identity is bound to a Gatehouse user by the
 * provider's issuer + subject, never by e-mail: the first sign-in of a
 * subject whose groups map to at least one role creates the user just in time
 * (no password, roles and scopes only from the mapping); an e-mail that
 * already belongs to another account is refused, not linked. Every sign-in and
 * every GATEHOUSE_SSO_RECHECK_SECONDS of a live session re-reads the groups
 * from the provider (ID token at sign-in, userinfo afterwards, refreshing the
 * access token when it has one): a user removed from their groups cannot sign
 * in again at once, and their open sessions end at the next request after the
 * bound. A provider that cannot be asked ends the session (fail closed; the
 * recovery sign-in is the way in when it is down).
 */

const CONTEXT = "sso-token";

export type SsoProfile = {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  accessToken?: string | null;
  refreshToken?: string | null;
  /** Seconds since the epoch, as the token response's expires_at. */
  expiresAt?: number | null;
};

export type SsoRefusal = "no_mapped_group" | "email_in_use" | "no_email" | "email_unverified" | "disabled" | "wrong_issuer";

/** The configured issuer, without trailing slashes; null when SSO is not configured. */
export function configuredIssuer(): string | null {
  const e = env();
  return e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? e.OIDC_ISSUER.replace(/\/+$/, "") : null;
}

async function mappedAccess(tx: Tx, claims: Record<string, unknown>): Promise<MappedAccess & { reported: string[] }> {
  const reported = groupsFromClaims(claims, env().OIDC_GROUPS_CLAIM);
  const mappings = reported.length ? await tx.ssoGroupMapping.findMany({ where: { group: { in: reported } } }) : [];
  return { ...mapGroups(reported, mappings), reported };
}

const sealed = (v: string | null | undefined) => (v ? seal(v, CONTEXT) : null);

async function refuse(tx: Tx, reason: SsoRefusal, p: SsoProfile, userId: string | null): Promise<{ refused: SsoRefusal }> {
  await appendAudit(tx, {
    type: "user.sign_in_refused",
    actorType: "user",
    actorId: userId,
    status: "refused",
    reason,
    data: { method: "oidc", issuer: p.issuer, subject: p.subject, email: typeof p.claims.email === "string" ? p.claims.email : null },
  });
  return { refused: reason };
}

/**
 * A completed OIDC sign-in (next-auth has verified the ID token's signature,
 * issuer, audience, nonce/PKCE and state). Returns the user to sign in as, or
 * the refusal (audited).
 */
export async function ssoSignIn(p: SsoProfile): Promise<{ user: User } | { refused: SsoRefusal }> {
  return db().$transaction(async (tx) => {
    if (p.issuer !== configuredIssuer()) return refuse(tx, "wrong_issuer", p, null);
    const access = await mappedAccess(tx, p.claims);
    const identity = await tx.ssoIdentity.findUnique({ where: { issuer_subject: { issuer: p.issuer, subject: p.subject } } });
    const tokens = {
      sealedAccessToken: sealed(p.accessToken),
      sealedRefreshToken: sealed(p.refreshToken),
      accessExpiresAt: p.expiresAt ? new Date(p.expiresAt * 1000) : null,
      groups: access.reported.join(","),
      checkedAt: new Date(),
    };
    const name = typeof p.claims.name === "string" && p.claims.name.trim() ? p.claims.name.trim().slice(0, 200) : null;
    if (identity) {
      const user = await tx.user.findUnique({ where: { id: identity.userId } });
      if (!user || user.disabled) return refuse(tx, "disabled", p, identity.userId);
      if (access.roles.length === 0) {
        await tx.user.update({ where: { id: user.id }, data: { roles: "", scopes: "", sessionEpoch: { increment: 1 } } });
        await tx.ssoIdentity.update({ where: { id: identity.id }, data: tokens });
        return refuse(tx, "no_mapped_group", p, user.id);
      }
      const updated = await applyAccess(tx, user, access, "sign_in");
      await tx.ssoIdentity.update({ where: { id: identity.id }, data: tokens });
      await signedIn(tx, updated, p);
      return { user: updated };
    }
    if (access.roles.length === 0) return refuse(tx, "no_mapped_group", p, null);
    const email = typeof p.claims.email === "string" ? p.claims.email.trim().toLowerCase() : "";
    if (!email || email.length > 320) return refuse(tx, "no_email", p, null);
    // The e-mail becomes the account's name in the console: the provider must vouch for it.
    if (p.claims.email_verified !== true) return refuse(tx, "email_unverified", p, null);
    if (await tx.user.findUnique({ where: { email }, select: { id: true } })) return refuse(tx, "email_in_use", p, null);
    const user = await tx.user.create({
      data: { email, name: name ?? email.split("@")[0]!, roles: access.roles.join(","), scopes: formatScopes(access.scopes), roleScopes: access.roleScopes, passwordHash: null },
    });
    await tx.ssoIdentity.create({ data: { userId: user.id, issuer: p.issuer, subject: p.subject, ...tokens } });
    await appendAudit(tx, {
      type: "user.created",
      actorType: "system",
      actorId: null,
      status: "ok",
      data: {
        user_id: user.id,
        email,
        roles: access.roles,
        scopes: user.scopes,
        role_scopes: access.roleScopes,
        via: "sso",
        issuer: p.issuer,
        subject: p.subject,
        groups: access.groups,
      },
    });
    await signedIn(tx, user, p);
    return { user };
  });
}

async function signedIn(tx: Tx, user: User, p: SsoProfile): Promise<void> {
  await tx.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
  await appendAudit(tx, { type: "user.signed_in", actorType: "user", actorId: user.id, status: "ok", data: { email: user.email, method: "oidc", issuer: p.issuer } });
}

/** Set the user's roles and scopes to what the mapping gives now; audited when they change. */
async function applyAccess(tx: Tx, user: User, access: MappedAccess, when: "sign_in" | "recheck"): Promise<User> {
  const roles = access.roles.join(",");
  const scopes = formatScopes(access.scopes);
  const roleScopes = access.roleScopes;
  if (user.roles === roles && user.scopes === scopes && (user.roleScopes ?? null) === roleScopes) return user;
  const updated = await tx.user.update({ where: { id: user.id }, data: { roles, scopes, roleScopes } });
  await appendAudit(tx, {
    type: "user.updated",
    actorType: "system",
    actorId: null,
    status: "ok",
    data: {
      user_id: user.id,
      email: user.email,
      roles: access.roles,
      scopes,
      role_scopes: roleScopes,
      before: { roles: user.roles, scopes: user.scopes, role_scopes: user.roleScopes },
      via: "sso",
      when,
      groups: access.groups,
    },
  });
  return updated;
}

type Discovery = { userinfo_endpoint?: string; token_endpoint?: string };
let discovery: { issuer: string; doc: Discovery; at: number } | undefined;

async function discover(issuer: string): Promise<Discovery> {
  if (discovery && discovery.issuer === issuer && Date.now() - discovery.at < 3_600_000) return discovery.doc;
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as Discovery & { issuer?: string };
  if (doc.issuer?.replace(/\/+$/, "") !== issuer) throw new Error("discovery document names another issuer");
  discovery = { issuer, doc, at: Date.now() };
  return doc;
}

async function refreshTokens(issuer: string, refreshToken: string): Promise<{ access: string; refresh: string | null; expiresAt: Date | null }> {
  const e = env();
  const doc = await discover(issuer);
  if (!doc.token_endpoint) throw new Error("no token endpoint");
  const basic = Buffer.from(`${encodeURIComponent(e.OIDC_CLIENT_ID!)}:${encodeURIComponent(e.OIDC_CLIENT_SECRET!)}`).toString("base64");
  const res = await fetch(doc.token_endpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`refresh answered ${res.status}`);
  const t = (await res.json()) as { access_token?: string; refresh_token?: string; expires_in?: number };
  if (!t.access_token) throw new Error("refresh gave no access token");
  return { access: t.access_token, refresh: t.refresh_token ?? refreshToken, expiresAt: t.expires_in ? new Date(Date.now() + t.expires_in * 1000) : null };
}

async function userinfo(issuer: string, accessToken: string): Promise<Record<string, unknown>> {
  const doc = await discover(issuer);
  if (!doc.userinfo_endpoint) throw new Error("no userinfo endpoint");
  const res = await fetch(doc.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`userinfo answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * For lib/auth/session.ts on every request of a user without a password:
 * "ended" when the session must end, "rechecked" when the provider was just
 * asked (roles may have changed), else "current". Users without an SSO identity pass at once. A check older than
 * the bound is claimed by one request (a conditional update), which asks the
 * provider; concurrent requests meanwhile go on with the previous answer.
 */
export async function ssoSessionCurrent(userId: string, now = new Date()): Promise<"current" | "rechecked" | "ended"> {
  const identity = await db().ssoIdentity.findUnique({ where: { userId } });
  if (!identity) return "current";
  const boundMs = env().GATEHOUSE_SSO_RECHECK_SECONDS * 1000;
  if (now.getTime() - identity.checkedAt.getTime() < boundMs) return "current";
  const claimed = await db().ssoIdentity.updateMany({ where: { id: identity.id, checkedAt: identity.checkedAt }, data: { checkedAt: now } });
  if (claimed.count !== 1) return "current";
  let reason: string;
  try {
    if (identity.issuer !== configuredIssuer()) throw new Error("SSO is no longer configured for this issuer");
    let access = identity.sealedAccessToken ? unseal(identity.sealedAccessToken, CONTEXT) : null;
    let refresh = identity.sealedRefreshToken ? unseal(identity.sealedRefreshToken, CONTEXT) : null;
    let expiresAt = identity.accessExpiresAt;
    if ((!access || (expiresAt && expiresAt.getTime() - 30_000 < now.getTime())) && refresh) {
      const t = await refreshTokens(identity.issuer, refresh);
      ({ access, refresh, expiresAt } = t);
    }
    if (!access) throw new Error("no access token to ask the provider with");
    const claims = await userinfo(identity.issuer, access);
    if (claims.sub !== identity.subject) throw new Error("userinfo answered for another subject");
    const ok = await db().$transaction(async (tx) => {
      const mapped = await mappedAccess(tx, claims);
      await tx.ssoIdentity.update({
        where: { id: identity.id },
        data: { groups: mapped.reported.join(","), sealedAccessToken: sealed(access), sealedRefreshToken: sealed(refresh), accessExpiresAt: expiresAt },
      });
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) return false;
      if (mapped.roles.length === 0) return false;
      await applyAccess(tx, user, mapped, "recheck");
      return true;
    });
    if (ok) return "rechecked";
    reason = "no_mapped_group";
  } catch (err) {
    reason = `provider_check_failed: ${(err as Error).message}`.slice(0, 300);
  }
  const removed = reason === "no_mapped_group";
  await db().$transaction(async (tx) => {
    // Removed from every mapped group: the roles go too. A provider that cannot be asked only ends the session.
    await tx.user.update({ where: { id: userId }, data: { ...(removed ? { roles: "", scopes: "" } : {}), sessionEpoch: { increment: 1 } } });
    await appendAudit(tx, { type: "user.sso_session_ended", actorType: "system", actorId: null, status: "ended", reason, data: { user_id: userId, issuer: identity.issuer } });
  });
  return "ended";
}
