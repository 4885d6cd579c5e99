import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { hashPassword } from "@/lib/auth/password";
import { authorizeCredentials, RATE_LIMITED } from "@/lib/auth/authorize-credentials";
import { clientIp, MAX_FAILURES } from "@/lib/auth/rate-limit";

let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  const passwordHash = await hashPassword("right-password");
  await db().user.createMany({
    data: [
      { email: "alice@t.local", name: "Alice", roles: "reviewer", passwordHash },
      { email: "bob@t.local", name: "Bob", roles: "reviewer", passwordHash },
      { email: "carol@t.local", name: "Carol", roles: "admin", passwordHash, disabled: true },
      { email: "sso@t.local", name: "SSO only", roles: "viewer" },
      { email: "dave@t.local", name: "Dave", roles: "viewer", passwordHash },
    ],
  });
});
afterAll(() => cleanup());

const signIn = (email: string, password: string, ip = "203.0.113.7") => authorizeCredentials({ email, password }, ip);

describe("email + password sign-in", () => {
  it("the right password signs in (case-insensitive email) and stamps lastSignInAt", async () => {
    const user = await signIn("Alice@T.local", "right-password");
    expect(user?.email).toBe("alice@t.local");
    const row = await db().user.findUniqueOrThrow({ where: { email: "alice@t.local" } });
    expect(row.lastSignInAt).toBeInstanceOf(Date);
    const audit = await db().auditEvent.findFirst({ where: { type: "user.signed_in", actorId: row.id } });
    expect(audit).not.toBeNull();
  });

  it("a wrong password, an unknown email and missing fields are all refused alike", async () => {
    expect(await signIn("alice@t.local", "wrong")).toBeNull();
    expect(await signIn("nobody@t.local", "right-password")).toBeNull();
    expect(await authorizeCredentials({ email: "alice@t.local" }, "1.2.3.4")).toBeNull();
  });

  it("a disabled user is refused even with the right password", async () => {
    expect(await signIn("carol@t.local", "right-password")).toBeNull();
  });

  it("a user without a password (OIDC-only) cannot sign in with one", async () => {
    expect(await signIn("sso@t.local", "")).toBeNull();
    expect(await signIn("sso@t.local", "anything")).toBeNull();
  });
});

describe("failed sign-ins are rate limited per account", () => {
  it(`after ${MAX_FAILURES} failures the correct password is refused without being checked`, async () => {
    for (let i = 0; i < MAX_FAILURES; i++) expect(await signIn("bob@t.local", `guess-${i}`)).toBeNull();
    await expect(signIn("bob@t.local", "right-password")).rejects.toThrow(RATE_LIMITED);
    // Same account from another address: still limited (the account key counts).
    await expect(signIn("BOB@t.local", "right-password", "198.51.100.9")).rejects.toThrow(RATE_LIMITED);
    // Another account is unaffected.
    expect(await signIn("alice@t.local", "right-password")).not.toBeNull();
  });

  it("the limit lifts once the failures are older than a minute", async () => {
    await db().signInFailure.updateMany({ where: { key: { contains: "bob@t.local" } }, data: { at: new Date(Date.now() - 61_000) } });
    expect(await signIn("bob@t.local", "right-password")).not.toBeNull();
  });

  it("failures are stored in the database (shared by every instance)", async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await signIn("dave@t.local", "nope", "192.0.2.1");
    expect(await db().signInFailure.count({ where: { key: "acct:dave@t.local" } })).toBe(MAX_FAILURES);
    await expect(signIn("dave@t.local", "right-password", "192.0.2.1")).rejects.toThrow(RATE_LIMITED);
  });

  it(`100 concurrent wrong passwords: at most ${MAX_FAILURES} reach the password check (check and count are one step)`, async () => {
    await db().user.create({ data: { email: "erin@t.local", name: "Erin", roles: "viewer", passwordHash: await hashPassword("right-password") } });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signIn("erin@t.local", `guess-${i}`, `192.0.2.${i % 7}`).then(
          () => "checked",
          (e: Error) => e.message,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "checked").length).toBeLessThanOrEqual(MAX_FAILURES);
    expect(outcomes.filter((o) => o === RATE_LIMITED).length).toBeGreaterThanOrEqual(100 - MAX_FAILURES);
    const failed = await db().auditEvent.findMany({ where: { type: "user.sign_in_failed" } });
    expect(failed.filter((e) => e.data.includes("erin@t.local")).length).toBeLessThanOrEqual(MAX_FAILURES);
  });

  it("the client address is x-forwarded-for's first entry", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "203.0.113.5, 10.0.0.1" }))).toBe("203.0.113.5");
    expect(clientIp({ "x-forwarded-for": "198.51.100.2" })).toBe("198.51.100.2");
    expect(clientIp({})).toBe("unknown");
  });
});
