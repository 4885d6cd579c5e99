import { describe, expect, it } from "vitest";
import argon2 from "argon2";
import { DEMO_USERS } from "@/lib/seed/demo-data";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { DEMO_PASSWORD_HASHES } from "./support/demo-password-hashes";

// The suite seeds the demo users with these precomputed hashes (test/support/demo-db.ts);
// sign-in tests then verify passwords against them, so they must be real hashes of the
// demo passwords, made with the parameters hashPassword uses.
describe("precomputed demo password hashes", () => {
  it("there is one for every demo user and no other", () => {
    expect(Object.keys(DEMO_PASSWORD_HASHES).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
  });

  it.each(DEMO_USERS.map((u) => [u.email, u.password] as const))("%s's hash verifies its password with argon2, and only it", async (email, password) => {
    const hash = DEMO_PASSWORD_HASHES[email]!;
    expect(await argon2.verify(hash, password)).toBe(true);
    expect(await verifyPassword(hash, `${password}x`)).toBe(false);
  });

  it("each is argon2id with the parameters hashPassword uses today", async () => {
    const params = (hash: string) => hash.split("$").slice(0, 4).join("$"); // "$argon2id$v=19$m=19456,p=1,t=2"
    const current = params(await hashPassword("any"));
    expect(current).toMatch(/^\$argon2id\$/);
    for (const hash of Object.values(DEMO_PASSWORD_HASHES)) expect(params(hash)).toBe(current);
  });
});
