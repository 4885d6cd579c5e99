import "server-only";
import type { AuthOptions } from "next-auth";
import type { Provider } from "next-auth/providers/index";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@/lib/db/client";
import { env, type Env } from "@/lib/env";
import { authorizeCredentials, type AuthorizedUser } from "@/lib/auth/authorize-credentials";
import { configuredIssuer, ssoSignIn } from "@/lib/auth/sso";
import { clientIp } from "@/lib/auth/rate-limit";
import { secureCookies } from "@/lib/auth/session-cookie";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { endSessions, sessionIsCurrent } from "@/lib/auth/end-sessions";

/** Console sessions last at most this long. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export const OIDC_PROVIDER_ID = "oidc";

type OidcProfile = { sub: string; email?: string; name?: string; preferred_username?: string };
type CredentialsInput = Record<"email" | "password" | "recoveryCode", string> | undefined;

/**
 * The sign-in providers for an environment: email + password always, a
 * generic OIDC provider only when issuer, client id and secret are all set.
 * Pure: no network (the discovery document is fetched at sign-in time).
 */
export function buildProviders(e: Pick<Env, "OIDC_ISSUER" | "OIDC_CLIENT_ID" | "OIDC_CLIENT_SECRET" | "OIDC_NAME"> & Partial<Pick<Env, "OIDC_SCOPES">>): Provider[] {
  const providers: Provider[] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
        recoveryCode: { label: "Recovery code", type: "password" },
      },
      authorize: (credentials: CredentialsInput, req) => {
        const headers = req.headers ?? {};
        const requestId = typeof headers["x-request-id"] === "string" ? headers["x-request-id"] : undefined;
        return authorizeCredentials(credentials, clientIp(headers), requestId);
      },
    }),
  ];
  if (e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET) {
    const issuer = e.OIDC_ISSUER.replace(/\/+$/, "");
    providers.push({
      id: OIDC_PROVIDER_ID,
      name: e.OIDC_NAME,
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      issuer,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: e.OIDC_SCOPES ?? "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile: OidcProfile) {
        return { id: profile.sub, email: profile.email?.toLowerCase() ?? null, name: profile.name ?? profile.preferred_username ?? null };
      },
    });
  }
  return providers;
}

/** The Gatehouse user an OIDC identity is bound to (issuer + subject; lib/auth/sso.ts made the binding at sign-in). */
async function oidcUser(subject: string | undefined) {
  const issuer = configuredIssuer();
  if (!issuer || !subject) return null;
  const identity = await db().ssoIdentity.findUnique({ where: { issuer_subject: { issuer, subject } } });
  const user = identity ? await db().user.findUnique({ where: { id: identity.userId } }) : null;
  return user && !user.disabled ? user : null;
}

/**
 * next-auth options for one request. The JWT only identifies the user (sub =
 * User.id) and carries the user's sessionEpoch at sign-in (epoch); roles, the
 * disabled flag and the epoch are re-read from the database on every request
 * by lib/auth/session.ts. Cookies are Secure when this request came over TLS.
 */
export function authOptions(req?: Request): AuthOptions {
  const e = env();
  return {
    secret: e.sessionSecret,
    providers: buildProviders(e),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: secureCookies(req?.headers),
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        // next-auth has checked the ID token (signature, issuer, audience, expiry) and state + PKCE.
        const claims = (profile ?? {}) as Record<string, unknown>;
        const result = await ssoSignIn({
          issuer: typeof claims.iss === "string" ? claims.iss.replace(/\/+$/, "") : "",
          subject: account.providerAccountId,
          claims,
          accessToken: account.access_token,
          refreshToken: account.refresh_token,
          expiresAt: account.expires_at,
        });
        return "user" in result;
      },
      async jwt({ token, user, account }) {
        if (!user) {
          // /api/auth/session: an ended session is cleared (next-auth drops the cookie when this throws).
          if (!(await sessionIsCurrent(token))) throw new Error("session ended");
          return token;
        }
        if (account?.provider === OIDC_PROVIDER_ID) {
          const known = await oidcUser(account.providerAccountId);
          if (!known) throw new Error("OIDC user is not a Gatehouse user");
          return { sub: known.id, email: known.email, name: known.name, epoch: known.sessionEpoch };
        }
        return { sub: user.id, email: user.email, name: user.name, epoch: (user as Partial<AuthorizedUser>).sessionEpoch ?? 0 };
      },
      // Every callbackUrl next-auth honours (sign-in, sign-out, errors) goes through the one check.
      redirect({ url, baseUrl }) {
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
      async session({ session, token }) {
        if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
        return session;
      },
    },
    events: {
      // Called only after next-auth checked the sign-out's CSRF token.
      async signOut({ token }) {
        if (token?.sub) await endSessions(token.sub, typeof token.epoch === "number" ? token.epoch : 0);
      },
    },
  };
}
