import "server-only";
import crypto from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { parseRoles, type Role } from "@/lib/auth/roles";
import { formatScopes, intersectScopes, isUnrestricted, parseScopes, roleScopedRow, scopesForAny, widensScopes, type RoleScoped, type Scopes } from "@/lib/auth/scopes";
import { scopesField } from "@/lib/users/user-input";

/**
 * Human API tokens: a person's credential for automation (the policy-as-code
 * CLI today; reviewer bots and other CLIs later — build on this module, do
 * not make another). A token is
 *
 * - **scoped**: it carries only the scopes it was created with, and each use
 *   also needs the owner's role now (an admin who lost the role loses the token);
 * - **expiring**: at most 90 days, 30 by default;
 * - **hashed at rest**: `gh_tok_<id>_<secret>`, only SHA-256(secret) is stored,
 *   compared in constant time; the token is shown once, at creation;
 * - **audited**: created, revoked and every use (`api_token.used`);
 * - **never a second person**: whatever it does reaches the two-person rules
 *   with channel "api_token", which never counts (lib/users/two-person.ts);
 * - **tenant-scoped**: limited to a subset of its owner's tenant/env scopes
 *   when created, intersected with the owner's scopes as they are at each use;
 *   a scope whose console counterpart acts on every tenant at once (policy:*,
 *   as the console's policy routes, lib/http/console-guard.ts) needs that
 *   intersection to be every tenant and environment, at creation and at each use;
 * - **never for what needs step-up**: a token votes only on single-approval,
 *   non-destructive actions (lib/approvals/token-vote.ts); break-glass,
 *   console sessions and creating tokens take a signed-in browser.
 */

export const API_TOKEN_SCOPES = ["policy:read", "policy:write", "policy:approve", "actions:read", "actions:vote"] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** Which roles (any one) a scope needs its owner to hold at the time of use. */
const SCOPE_ROLE: Record<ApiTokenScope, readonly Role[]> = {
  "policy:read": ["admin"],
  "policy:write": ["admin"],
  "policy:approve": ["admin"],
  "actions:read": ["viewer", "reviewer", "admin"],
  "actions:vote": ["reviewer"],
};
const holds = (roles: readonly Role[], scope: ApiTokenScope) => SCOPE_ROLE[scope].some((r) => roles.includes(r));

/**
 * Scopes that act on every tenant at once (the route policies, their tests and the catalog are global): like the
 * console's unscoped routes (consoleHandler), only an owner whose role for them covers every tenant and environment,
 * through a token that does too, may use them. The others narrow their data to the token's scopes instead.
 */
const EVERY_TENANT: ReadonlySet<ApiTokenScope> = new Set(["policy:read", "policy:write", "policy:approve"]);

/** The global scopes among `scopes` that `tenantScopes` (token ∩ owner, for the scope's roles) does not make unrestricted. */
function restrictedFor(owner: RoleScoped, tenantScopes: Scopes, scopes: readonly ApiTokenScope[]): ApiTokenScope[] {
  return scopes.filter((s) => EVERY_TENANT.has(s) && !isUnrestricted({ scopes: intersectScopes(tenantScopes, scopesForAny(owner, SCOPE_ROLE[s])) }));
}

const restrictedError = (scopes: readonly ApiTokenScope[]) =>
  new AppError(
    "forbidden",
    `${scopes.join(", ")} act on every tenant at once: they need an admin grant for every tenant and environment, and a token whose tenant scopes are all (*).`,
    { reason: "scope_restricted" },
  );

export const API_TOKEN_MAX_DAYS = 90;
const PREFIX = "gh_tok_";
const TOKEN_RE = /^gh_tok_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

export const newApiTokenInput = z.strictObject({
  name: z.string().trim().min(1, "Name the token (what will use it).").max(100),
  scopes: z.array(z.enum(API_TOKEN_SCOPES)).min(1, "Pick at least one scope.").max(API_TOKEN_SCOPES.length),
  expires_in_days: z.number().int().min(1).max(API_TOKEN_MAX_DAYS).default(30),
  /** Tenant/env scopes, within the owner's (default: all of the owner's). */
  tenant_scopes: scopesField.optional(),
});

export type ApiTokenView = {
  id: string;
  name: string;
  scopes: string[];
  tenantScopes: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const view = (t: {
  id: string;
  name: string;
  scopes: string;
  tenantScopes: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): ApiTokenView => ({
  id: t.id,
  name: t.name,
  scopes: JSON.parse(t.scopes) as string[],
  tenantScopes: t.tenantScopes,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Create a token for the signed-in user; the returned `token` is the only time the secret exists outside the caller. */
export async function createApiToken(input: unknown, ctx: { actorId: string; requestId?: string | null }): Promise<{ token: string } & ApiTokenView> {
  const p = newApiTokenInput.safeParse(input);
  if (!p.success) throw new AppError("validation_failed", "The token is not valid.", { issues: zodIssues(p.error.issues) });
  const id = crypto.randomBytes(8).toString("hex");
  const secret = crypto.randomBytes(32).toString("base64url");
  const scopes = [...new Set(p.data.scopes)];
  const row = await db().$transaction(async (tx) => {
    const u = await tx.user.findUnique({ where: { id: ctx.actorId } });
    if (!u || u.disabled) throw new AppError("forbidden", "Only an enabled user can create a token.");
    const roles = parseRoles(u.roles);
    const missing = scopes.filter((s) => !holds(roles, s));
    if (missing.length) throw new AppError("forbidden", `You do not hold the role these scopes need: ${missing.join(", ")}.`);
    // Where any of the owner's roles applies (per-role scopes); each use narrows to the roles the scope needs.
    const owner = roleScopedRow({ ...u, roles });
    const mine = scopesForAny(owner, roles);
    const asked = p.data.tenant_scopes ? parseScopes(p.data.tenant_scopes.join(",")) : mine;
    if (widensScopes(mine, asked)) throw new AppError("forbidden", "A token's tenant scopes must lie within your own.", { reason: "scope_restricted" });
    const restricted = restrictedFor(owner, asked, scopes);
    if (restricted.length) throw restrictedError(restricted);
    const tenantScopes = formatScopes(asked);
    const t = await tx.apiToken.create({
      data: {
        id,
        userId: u.id,
        name: p.data.name,
        scopes: JSON.stringify(scopes),
        tenantScopes,
        secretHash: sha256(secret),
        expiresAt: new Date(Date.now() + p.data.expires_in_days * 86_400_000),
      },
    });
    await appendAudit(tx, {
      type: "api_token.created",
      ...userActor(ctx),
      data: { token_id: id, name: t.name, scopes, tenant_scopes: tenantScopes, expires_at: t.expiresAt.toISOString() },
    });
    return t;
  });
  return { token: `${PREFIX}${id}_${secret}`, ...view(row) };
}

export async function listApiTokens(userId: string): Promise<ApiTokenView[]> {
  return (await db().apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } })).map(view);
}

/** Revoke one of your own tokens (an admin may revoke anyone's). */
export async function revokeApiToken(id: string, ctx: { actorId: string; requestId?: string | null; isAdmin: boolean }): Promise<void> {
  await db().$transaction(async (tx) => {
    const t = await tx.apiToken.findUnique({ where: { id } });
    if (!t || (t.userId !== ctx.actorId && !ctx.isAdmin)) throw new AppError("not_found", "No such token.");
    if (t.revokedAt) return;
    await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, { type: "api_token.revoked", ...userActor(ctx), data: { token_id: id, owner_id: t.userId } });
  });
}

/** The token's owner as the token may act: `scopes` the tenant/env scopes (token ∩ owner now), `tokenScopes` what the token may do. */
export type TokenUser = { id: string; email: string; roles: Role[]; tokenId: string; tokenScopes: ApiTokenScope[]; scopes: Scopes };

/**
 * Authenticate `Authorization: Bearer gh_tok_…` for `scope`: 401 for a missing,
 * malformed, unknown, wrong, revoked or expired token (one message for all),
 * 403 when it lacks the scope or its owner no longer holds the role. Every
 * accepted use is audited with the route and method.
 */
export async function authenticateApiToken(req: Request, scope: ApiTokenScope, requestId?: string | null): Promise<TokenUser> {
  const unauthorized = () => new AppError("unauthenticated", "A valid API token is required (Authorization: Bearer gh_tok_…).");
  const m = /^Bearer (\S+)$/.exec(req.headers.get("authorization") ?? "");
  const parts = m ? TOKEN_RE.exec(m[1]!) : null;
  if (!parts) throw unauthorized();
  const [, id, secret] = parts;
  const t = await db().apiToken.findUnique({ where: { id: id! } });
  const want = Buffer.from(t?.secretHash ?? "0".repeat(64), "hex");
  const got = Buffer.from(sha256(secret!), "hex");
  if (!t || !crypto.timingSafeEqual(want, got) || t.revokedAt || t.expiresAt.getTime() <= Date.now()) throw unauthorized();
  const tokenScopes = JSON.parse(t.scopes) as ApiTokenScope[];
  if (!tokenScopes.includes(scope)) throw new AppError("forbidden", `This token lacks the scope ${scope}.`);
  const u = await db().user.findUnique({ where: { id: t.userId } });
  const roles = u && !u.disabled ? parseRoles(u.roles) : [];
  if (!u || !holds(roles, scope)) throw new AppError("forbidden", "The token's owner no longer holds the role this needs.");
  const owner = roleScopedRow({ ...u, roles });
  const tenantScopes = parseScopes(t.tenantScopes);
  // The owner may have been restricted to some tenants since the token was made.
  if (restrictedFor(owner, tenantScopes, [scope]).length) throw restrictedError([scope]);
  await db().$transaction(async (tx) => {
    await tx.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } });
    await appendAudit(tx, {
      type: "api_token.used",
      ...userActor({ actorId: u.id, requestId }),
      data: { token_id: t.id, scope, method: req.method, path: new URL(req.url).pathname },
    });
  });
  return {
    id: u.id,
    email: u.email,
    roles,
    tokenId: t.id,
    tokenScopes, // Per role: only the scopes of the roles this token scope needs (a reviewer-for-acme, admin-for-globex owner votes only on acme).
    scopes: intersectScopes(tenantScopes, scopesForAny(owner, SCOPE_ROLE[scope])),
  };
}
