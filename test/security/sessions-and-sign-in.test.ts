import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "../support/db";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { MAX_FAILURES } from "@/lib/auth/rate-limit";
import { CookieJar, consoleFetch, csrfToken, postCredentials, signIn, signOut, startConsoleServer, type ConsoleServer } from "./console-server";

// Threat: a signed-in person is sent to another site after sign-in (open
// redirect), a session cookie outlives sign-out or a change to the account,
// the cookie travels without Secure behind a TLS proxy, an injected script
// runs in the console, and a password is guessed faster than the limit by
// sending the guesses at once. All against the real server (`npm start`'s
// scripts/serve.ts, Next.js and next-auth included), with real sign-ins,
// cookies and CSRF tokens.

let ctx: Awaited<ReturnType<typeof freshDb>>;
let server: ConsoleServer;
let base: string;
const u: Record<string, string> = {};
const pw = (email: string) => "pw-" + email;

beforeAll(async () => {
  ctx = await freshDb();
  for (const [key, roles] of [
    ["admin", ["admin"]],
    ["admin2", ["admin"]],
    ["viewer", ["viewer"]],
    ["signout", ["viewer"]],
    ["reset", ["reviewer"]],
    ["role", ["reviewer"]],
    ["disable", ["viewer"]],
    ["tls", ["viewer"]],
    ["flood", ["viewer"]],
  ] as const) {
    u[key] = await makeUser(`${key}.sess@example.com`, [...roles]);
  }
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
  base = server.url;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

const as = (key: string, headers: Record<string, string> = {}) => signIn(base, `${key}.sess@example.com`, pw(`${key}.sess@example.com`), headers);

// Each is a decoded callbackUrl value; the query string carries it percent-encoded.
const HOSTILE_CALLBACKS = [
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "//evil.example",
  "///evil.example",
  "/.//evil.example",
  "/%5Cevil.example",
  "https://evil.example",
  "https:evil.example",
  "HTTPS://evil.example/queue",
  "javascript:alert(document.domain)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/\r\nSet-Cookie: x=1",
  "/\u65e5\u672c\u8a9e",
  "/\u0000/evil.example",
  "/\u3002evil.example",
  "\u2215\u2215evil.example",
  `${"/".repeat(3)}\t\tevil.example`,
];

/** Where a browser goes with this Location (or href): WHATWG URL parsing against the page's URL. */
const destination = (value: string, from: string) => new URL(value, from);

describe("after sign-in, only same-origin paths (no open redirect)", () => {
  let jar: CookieJar;
  beforeAll(async () => {
    jar = await as("viewer");
  });

  it.each(HOSTILE_CALLBACKS.map((c) => [JSON.stringify(c), c] as const))(
    "signed in, /signin?callbackUrl=%s redirects (307) to this origin, never a 5xx",
    async (_name, callback) => {
      const from = `${base}/signin?callbackUrl=${encodeURIComponent(callback)}`;
      const res = await fetch(from, { redirect: "manual", headers: { cookie: jar.header() } });
      expect(res.status).toBe(307);
      const location = res.headers.get("location")!;
      expect(location).toBeTruthy();
      expect(destination(location, from).origin).toBe(base);
      expect(location).toMatch(/^[\x21-\x7e]*$/); // nothing a header could split on, nothing non-ASCII
    },
  );

  it.each(HOSTILE_CALLBACKS.map((c) => [JSON.stringify(c), c] as const))(
    "signed out, the sign-in form for callbackUrl=%s navigates to this origin after sign-in",
    async (_name, callback) => {
      const from = `${base}/signin?callbackUrl=${encodeURIComponent(callback)}`;
      const res = await fetch(from, { redirect: "manual" });
      expect(res.status).toBe(200);
      const html = await res.text();
      // The form's callbackUrl prop, as React serialises it into the page: the value window.location.assign gets.
      const flight = [...html.matchAll(/self\.__next_f\.push\((\[.*?\])\)<\/script>/gs)]
        .map((m) => (JSON.parse(m[1]!) as unknown[])[1])
        .filter((x) => typeof x === "string")
        .join("");
      const props = [...flight.matchAll(/"callbackUrl":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
      expect(props.length).toBeGreaterThan(0);
      for (const p of props) expect(destination(p, from).origin, p).toBe(base);
    },
  );

  it("next-auth's own redirect after a credentials sign-in stays on this origin", async () => {
    for (const callback of HOSTILE_CALLBACKS) {
      const j = new CookieJar();
      const csrf = await csrfToken(base, j);
      const res = await postCredentials(base, j, csrf, "viewer.sess@example.com", pw("viewer.sess@example.com"), { callbackUrl: callback });
      expect(res.status, callback).toBe(200);
      const { url } = (await res.json()) as { url: string };
      expect(destination(url, base).origin, `${JSON.stringify(callback)} → ${url}`).toBe(base);
    }
  });

  it("an ordinary same-origin path survives, query included", async () => {
    const from = `${base}/signin?callbackUrl=${encodeURIComponent("/audit?type=user.signed_in")}`;
    const res = await fetch(from, { redirect: "manual", headers: { cookie: jar.header() } });
    expect(res.status).toBe(307);
    expect(destination(res.headers.get("location")!, from).href).toBe(`${base}/audit?type=user.signed_in`);
  });
});

describe("sessions end at sign-out and at every change to the account", () => {
  const summary = (cookie: string) => consoleFetch(base, cookie, "/api/console/summary");

  it("a cookie captured before sign-out is refused after it (API 401, page back to /signin)", async () => {
    const jar = await as("signout");
    const captured = jar.header();
    expect((await summary(captured)).status).toBe(200);
    const out = await signOut(base, jar);
    expect(out.status).toBe(200);
    expect((await summary(captured)).status).toBe(401);
    const page = await fetch(`${base}/queue`, { redirect: "manual", headers: { cookie: captured } });
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toContain("/signin");
    // Signing in again gives a working session.
    expect((await summary((await as("signout")).header())).status).toBe(200);
  });

  it("a password reset ends the user's existing sessions", async () => {
    const admin = await as("admin");
    const captured = (await as("reset")).header();
    expect((await summary(captured)).status).toBe(200);
    const res = await consoleFetch(base, admin, `/api/console/users/${u.reset}/password`, { method: "POST", body: { password: "a-brand-new-password-1" } });
    // A reviewer's password is a grant (test/security/two-person-grants.test.ts): the request alone changes nothing.
    expect(res.status).toBe(202);
    expect((await summary(captured)).status).toBe(200);
    const grant = ((await res.json()) as { grant_id: string }).grant_id;
    expect((await consoleFetch(base, await as("admin2"), `/api/console/user-grants/${grant}/approve`, { method: "POST", body: {} })).status).toBe(200);
    expect((await summary(captured)).status).toBe(401);
  });

  it("a role change ends the user's existing sessions", async () => {
    const admin = await as("admin");
    const captured = (await as("role")).header();
    expect((await summary(captured)).status).toBe(200);
    const res = await consoleFetch(base, admin, `/api/console/users/${u.role}`, { method: "PATCH", body: { roles: ["reviewer", "viewer"] } });
    expect(res.status).toBe(200);
    expect((await summary(captured)).status).toBe(401);
  });

  it("disabling ends the sessions for good: re-enabling does not revive a captured cookie", async () => {
    const admin = await as("admin");
    const captured = (await as("disable")).header();
    expect((await summary(captured)).status).toBe(200);
    expect((await consoleFetch(base, admin, `/api/console/users/${u.disable}`, { method: "PATCH", body: { disabled: true } })).status).toBe(200);
    expect((await summary(captured)).status).toBe(401);
    expect((await consoleFetch(base, admin, `/api/console/users/${u.disable}`, { method: "PATCH", body: { disabled: false } })).status).toBe(200);
    expect((await summary(captured)).status).toBe(401);
    expect((await summary((await as("disable")).header())).status).toBe(200);
  });

  it("one user's sign-out leaves other users' sessions alone", async () => {
    const other = await as("viewer");
    await signOut(base, await as("signout"));
    expect((await summary(other.header())).status).toBe(200);
  });
});

describe("the session cookie is Secure whenever the request came over TLS", () => {
  it("behind a TLS proxy (X-Forwarded-Proto: https) every auth cookie is Secure, and the session works", async () => {
    const tls = { "x-forwarded-proto": "https" };
    const jar = new CookieJar();
    const csrf = await csrfToken(base, jar, tls);
    for (const c of jar.setCookies) expect(c, c).toMatch(/;\s*Secure/i);
    const res = await postCredentials(base, jar, csrf, "tls.sess@example.com", pw("tls.sess@example.com"), { headers: tls });
    expect(res.status).toBe(200);
    const session = jar.setCookies.find((c) => c.includes("session-token"));
    expect(session, jar.setCookies.join("\n")).toBeDefined();
    expect(session).toMatch(/^__Secure-/);
    expect(session).toMatch(/;\s*Secure/i);
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect((await consoleFetch(base, jar, "/api/console/summary", { headers: tls })).status).toBe(200);
  });

  it("over plain http (local development) the cookie is not Secure, so the browser keeps it", async () => {
    const jar = await as("viewer");
    const session = jar.setCookies.find((c) => c.includes("session-token"))!;
    expect(session).not.toMatch(/;\s*Secure/i);
  });
});

describe("console pages carry a nonce-based Content-Security-Policy", () => {
  const nonceOf = (csp: string) => /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(csp)?.[1];

  it.each([
    ["/signin", null],
    ["/queue", "viewer"],
    ["/audit", "viewer"],
  ] as const)("%s: script-src allows only this response's nonce; every script carries it", async (p, who) => {
    const cookie = who ? (await as(who)).header() : "";
    const res = await fetch(base + p, { redirect: "manual", headers: { cookie } });
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    const scriptSrc =
      csp
        .split(";")
        .map((d) => d.trim())
        .find((d) => d.startsWith("script-src")) ?? "";
    const nonce = nonceOf(scriptSrc);
    expect(nonce, csp).toBeTruthy();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    for (const d of ["object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'"]) expect(csp).toContain(d);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);
    // A fresh nonce per response.
    const again = await fetch(base + p, { redirect: "manual", headers: { cookie } });
    expect(nonceOf(again.headers.get("content-security-policy") ?? "")).not.toBe(nonce);
  });
});

describe("the sign-in limit is checked and counted in one step", () => {
  it(`~100 concurrent wrong passwords: at most ${MAX_FAILURES} are checked against the password, the rest are 429`, async () => {
    const email = "flood.sess@example.com";
    const jar = new CookieJar();
    const csrf = await csrfToken(base, jar);
    const before = await db().auditEvent.count({ where: { type: "user.sign_in_failed" } });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postCredentials(base, jar, csrf, email, `wrong-guess-${i}`).then(async (r) => ({ status: r.status, text: await r.text() }))),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.every((s) => s === 401 || s === 429),
      JSON.stringify(statuses),
    ).toBe(true);
    // Every refusal after a password check writes one user.sign_in_failed event; the limited ones write user.sign_in_refused.
    const checked = (await db().auditEvent.findMany({ where: { type: "user.sign_in_failed" }, skip: before })).filter((e) => e.data.includes(email));
    expect(checked.length).toBeLessThanOrEqual(MAX_FAILURES);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILURES);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(100 - MAX_FAILURES);
    // And the right password is now refused unchecked too.
    const right = await postCredentials(base, jar, csrf, email, pw(email));
    expect(right.status).toBe(429);
  }, 120_000);
});
