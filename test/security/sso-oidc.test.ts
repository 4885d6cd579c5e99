import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { makeUser } from "../support/fixtures";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider";
import { oidcSignIn } from "../support/oidc-sign-in";
import { db } from "@/lib/db/client";
import { createRecoveryCodes } from "@/lib/auth/recovery-codes";
import { consoleFetch, csrfToken, CookieJar, freePort, signIn, startConsoleServer, type ConsoleServer } from "./console-server";

// Threat: SSO that was configured but never exercised — an identity provider's user signing in
// as someone else's account because the e-mail matches, a group claim granting more than the
// mapping says, a person removed from their group keeping access, a mapping widened by one admin
// alone, and an install that turned password sign-in off locking everyone out when the provider
// is down. Against the real server (scripts/serve.ts, next-auth, the production build) and a real
// OpenID Connect provider (panva's oidc-provider) on loopback, through its own login and consent pages.

let ctx: Awaited<ReturnType<typeof freshDb>>;
let idp: TestOidcProvider;
let server: ConsoleServer;
let base: string;
let idpPort: number;

beforeAll(async () => {
  ctx = await freshDb();
  await makeUser("admin1.sso@example.com", ["admin"]);
  await makeUser("admin2.sso@example.com", ["admin"]);
  await makeUser("local.sso@example.com", ["viewer"]);
  await db().ssoGroupMapping.createMany({
    data: [
      { group: "acme-reviewers", roles: "reviewer", scopes: "acme/prod" },
      { group: "auditors", roles: "viewer", scopes: "*" },
      { group: "globex-viewers", roles: "viewer", scopes: "globex/*" },
    ],
  });
  idpPort = await freePort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir, {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: "gatehouse-test",
    OIDC_CLIENT_SECRET: "gatehouse-test-client-secret-0123456789",
    OIDC_NAME: "Test IdP",
    OIDC_SCOPES: "openid email profile groups",
    GATEHOUSE_SSO_RECHECK_SECONDS: "30",
  });
  base = server.url;
  idp = await startOidcProvider({
    port: idpPort,
    redirectOrigins: [base],
    accounts: {
      alice: { email: "alice@acme.example", name: "Alice", groups: ["acme-reviewers", "unmapped"] },
      bob: { email: "bob@acme.example", name: "Bob", groups: ["unmapped"] },
      carol: { email: "carol@acme.example", name: "Carol", groups: ["acme-reviewers", "globex-viewers"] },
      mallory: { email: "local.sso@example.com", name: "Mallory", groups: ["auditors"] },
      eve: { email: "eve@acme.example", name: "Eve", groups: ["auditors"], emailVerified: false },
    },
  });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await idp?.stop();
  await ctx?.cleanup();
});

const identityOf = (subject: string) => db().ssoIdentity.findUnique({ where: { issuer_subject: { issuer: idp.issuer, subject } } });

describe("SSO through a real OpenID Connect provider", () => {
  it("a mapped group signs in: the user is created just in time with the mapping's roles and scopes, bound by issuer + subject", async () => {
    const { jar, finalUrl } = await oidcSignIn(base, "alice");
    expect(jar.sessionCookie()).toBeTruthy();
    expect(new URL(finalUrl).pathname).toBe("/");
    const identity = await identityOf("alice");
    const user = await db().user.findUniqueOrThrow({ where: { id: identity!.userId } });
    expect(user).toMatchObject({ email: "alice@acme.example", name: "Alice", roles: "reviewer", scopes: "acme/prod", passwordHash: null });
    expect(identity!.groups).toBe("acme-reviewers,unmapped");
    expect((await consoleFetch(base, jar, "/api/console/actions")).status).toBe(200);
    // Reviewer of acme only: an admin endpoint is 403.
    expect((await consoleFetch(base, jar, "/api/console/users")).status).toBe(403);
    const created = await db().auditEvent.findFirst({ where: { type: "user.created", actorType: "system" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(created!.data)).toMatchObject({ via: "sso", subject: "alice", groups: ["acme-reviewers"] });
  }, 60_000);

  it("reviewer-acme + viewer-globex groups: each role on its own group's scopes, never a reviewer of globex", async () => {
    const { jar } = await oidcSignIn(base, "carol");
    expect(jar.sessionCookie()).toBeTruthy();
    const user = await db().user.findUniqueOrThrow({ where: { id: (await identityOf("carol"))!.userId } });
    expect(user).toMatchObject({ roles: "reviewer,viewer", scopes: "acme/prod,globex/*", roleScopes: "reviewer=acme/prod;viewer=globex/*" });
    expect((await consoleFetch(base, jar, "/api/console/actions")).status).toBe(200);
  }, 60_000);

  it("no mapped group: refused, no user is created, the refusal is audited", async () => {
    const { jar, finalUrl } = await oidcSignIn(base, "bob");
    expect(jar.sessionCookie()).toBeUndefined();
    expect(new URL(finalUrl).searchParams.get("error")).toBe("AccessDenied");
    expect(await db().user.findUnique({ where: { email: "bob@acme.example" } })).toBeNull();
    const refused = await db().auditEvent.findFirst({ where: { type: "user.sign_in_refused", reason: "no_mapped_group" } });
    expect(refused).not.toBeNull();
  }, 60_000);

  it("an identity whose e-mail is a local account's is refused, never linked to it", async () => {
    const before = await db().user.findUniqueOrThrow({ where: { email: "local.sso@example.com" } });
    const { jar } = await oidcSignIn(base, "mallory");
    expect(jar.sessionCookie()).toBeUndefined();
    expect(await identityOf("mallory")).toBeNull();
    expect(await db().user.findUniqueOrThrow({ where: { email: "local.sso@example.com" } })).toMatchObject({ roles: before.roles, sessionEpoch: before.sessionEpoch });
    expect(await db().auditEvent.count({ where: { type: "user.sign_in_refused", reason: "email_in_use" } })).toBe(1);
  }, 60_000);

  it("an unverified e-mail does not create an account", async () => {
    const { jar } = await oidcSignIn(base, "eve");
    expect(jar.sessionCookie()).toBeUndefined();
    expect(await db().user.findUnique({ where: { email: "eve@acme.example" } })).toBeNull();
  }, 60_000);

  it("removed from the group: a new sign-in is refused at once, and the open session ends at the next request after the re-check bound", async () => {
    const { jar } = await oidcSignIn(base, "alice");
    expect((await consoleFetch(base, jar, "/api/console/actions")).status).toBe(200);
    idp.accounts.get("alice")!.groups = ["unmapped"];
    // Within the bound the session goes on (this is the bound the README documents) ...
    expect((await consoleFetch(base, jar, "/api/console/actions")).status).toBe(200);
    // ... and a new sign-in is refused at once.
    const again = await oidcSignIn(base, "alice");
    expect(again.jar.sessionCookie()).toBeUndefined();
    // The bound passes (the last check is made 31 s old): the next request asks the provider and ends the session.
    const identity = (await identityOf("alice"))!;
    idp.accounts.get("alice")!.groups = ["acme-reviewers"];
    const back = await oidcSignIn(base, "alice");
    expect((await consoleFetch(base, back.jar, "/api/console/actions")).status).toBe(200);
    idp.accounts.get("alice")!.groups = [];
    await db().ssoIdentity.update({ where: { id: identity.id }, data: { checkedAt: new Date(Date.now() - 31_000) } });
    expect((await consoleFetch(base, back.jar, "/api/console/actions")).status).toBe(401);
    const ended = await db().auditEvent.findFirst({ where: { type: "user.sso_session_ended" }, orderBy: { seq: "desc" } });
    expect(ended?.reason).toBe("no_mapped_group");
    const user = await db().user.findUniqueOrThrow({ where: { id: identity.userId } });
    expect(user.roles).toBe("");
  }, 90_000);

  it("a group still mapped passes the re-check, and a narrowed mapping narrows the live session", async () => {
    idp.accounts.get("alice")!.groups = ["acme-reviewers", "auditors"];
    const { jar } = await oidcSignIn(base, "alice");
    const identity = (await identityOf("alice"))!;
    expect((await db().user.findUniqueOrThrow({ where: { id: identity.userId } })).roles).toBe("reviewer,viewer");
    await db().ssoGroupMapping.delete({ where: { group: "acme-reviewers" } });
    await db().ssoIdentity.update({ where: { id: identity.id }, data: { checkedAt: new Date(Date.now() - 31_000) } });
    expect((await consoleFetch(base, jar, "/api/console/actions")).status).toBe(200);
    expect(await db().user.findUniqueOrThrow({ where: { id: identity.userId } })).toMatchObject({ roles: "viewer", scopes: "*" });
    await db().ssoGroupMapping.create({ data: { group: "acme-reviewers", roles: "reviewer", scopes: "acme/prod" } });
  }, 90_000);

  it("widening the mapping is a grant: the requester cannot approve it, a second admin can; removing applies at once", async () => {
    const a1 = await signIn(base, "admin1.sso@example.com", "pw-admin1.sso@example.com");
    const a2 = await signIn(base, "admin2.sso@example.com", "pw-admin2.sso@example.com");
    const put = await consoleFetch(base, a1, "/api/console/sso-mappings", { method: "PUT", body: { group: "globex-admins", roles: ["admin"], scopes: ["globex/*"] } });
    expect(put.status).toBe(202);
    const { grant_id } = (await put.json()) as { grant_id: string };
    expect(await db().ssoGroupMapping.findUnique({ where: { group: "globex-admins" } })).toBeNull();
    expect((await consoleFetch(base, a1, `/api/console/user-grants/${grant_id}/approve`, { method: "POST", body: {} })).status).toBe(403);
    expect((await consoleFetch(base, a2, `/api/console/user-grants/${grant_id}/approve`, { method: "POST", body: {} })).status).toBe(200);
    expect(await db().ssoGroupMapping.findUnique({ where: { group: "globex-admins" } })).toMatchObject({ roles: "admin", scopes: "globex/*" });
    // Widening its scopes is a grant again; removing it is not.
    expect((await consoleFetch(base, a1, "/api/console/sso-mappings", { method: "PUT", body: { group: "globex-admins", roles: ["admin"], scopes: ["*"] } })).status).toBe(202);
    expect((await consoleFetch(base, a1, "/api/console/sso-mappings", { method: "PUT", body: { group: "globex-admins", roles: [], scopes: ["*"] } })).status).toBe(200);
    expect(await db().ssoGroupMapping.findUnique({ where: { group: "globex-admins" } })).toBeNull();
    // Malformed: 422, nothing changes.
    for (const body of [
      { group: "a,b", roles: ["viewer"] },
      { group: "x", roles: ["root"] },
      { group: "x", roles: ["viewer"], scopes: ["acme"] },
      { group: "x", roles: ["viewer"], extra: 1 },
    ]) {
      expect((await consoleFetch(base, a1, "/api/console/sso-mappings", { method: "PUT", body })).status).toBe(422);
    }
    expect((await consoleFetch(base, a1, "/api/console/sso-mappings")).status).toBe(200);
  }, 60_000);
});

describe("password sign-in off: only the audited recovery sign-in, which works with the provider down", () => {
  let off: ConsoleServer;
  let codes: string[];
  beforeAll(async () => {
    const admin = await db().user.findUniqueOrThrow({ where: { email: "admin1.sso@example.com" } });
    codes = await createRecoveryCodes(admin.id, { actorType: "system", actorId: null });
    await idp.stop();
    off = await startConsoleServer(ctx.databaseUrl, ctx.dataDir, {
      OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
      OIDC_CLIENT_ID: "gatehouse-test",
      OIDC_CLIENT_SECRET: "gatehouse-test-client-secret-0123456789",
      GATEHOUSE_PASSWORD_SIGNIN: "off",
    });
  }, 180_000);
  afterAll(async () => {
    await off?.stop();
  });

  const post = async (fields: Record<string, string>) => {
    const jar = new CookieJar();
    const csrf = await csrfToken(off.url, jar);
    const res = await fetch(`${off.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
      body: new URLSearchParams({ csrfToken: csrf, json: "true", ...fields }),
    });
    jar.keep(res);
    return jar;
  };

  it("a password alone is refused; password + a recovery code signs in once, as an audited alert; the code cannot be used twice", async () => {
    expect((await post({ email: "admin1.sso@example.com", password: "pw-admin1.sso@example.com" })).sessionCookie()).toBeUndefined();
    expect((await post({ email: "local.sso@example.com", password: "pw-local.sso@example.com", recoveryCode: codes[0]! })).sessionCookie()).toBeUndefined();
    expect((await post({ email: "admin1.sso@example.com", password: "wrong", recoveryCode: codes[0]! })).sessionCookie()).toBeUndefined();
    const jar = await post({ email: "admin1.sso@example.com", password: "pw-admin1.sso@example.com", recoveryCode: codes[0]! });
    expect(jar.sessionCookie()).toBeTruthy();
    expect((await consoleFetch(off.url, jar, "/api/console/users")).status).toBe(200);
    expect((await post({ email: "admin1.sso@example.com", password: "pw-admin1.sso@example.com", recoveryCode: codes[0]! })).sessionCookie()).toBeUndefined();
    const alert = await db().auditEvent.findFirst({ where: { type: "user.recovery_sign_in" } });
    expect(alert).toMatchObject({ status: "alert" });
    expect(JSON.parse(alert!.data)).toMatchObject({ codes_left: 9 });
    expect(off.log()).toContain("ALERT recovery sign-in");
    const signedIn = await db().auditEvent.findFirst({ where: { type: "user.signed_in" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(signedIn!.data)).toMatchObject({ method: "recovery" });
  }, 60_000);

  it("the sign-in page offers SSO first and the recovery form", async () => {
    const html = await (await fetch(`${off.url}/signin`)).text();
    expect(html).toContain("Continue with");
    expect(html).toContain("Recovery sign-in");
  });
});
