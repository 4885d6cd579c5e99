import { describe, expect, it } from "vitest";
import { redact, redactText, REDACTED, isSecretKey } from "@/lib/redact/redact";

// Test-only fake secrets, built from parts so secret scanners do not flag this file.
const jwt = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NSJ9", "c2lnbmF0dXJlLXBhcnQ"].join(".");
const pem = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAx1", "abc/def+ghi==", "-----END RSA PRIVATE KEY-----"].join("\n");

describe("redact — one pattern at a time", () => {
  it.each([
    ["JWT", `token is ${jwt} ok`, `token is ${REDACTED} ok`],
    ["bearer token", "Authorization: Bearer abc123.def-456_ghi", `Authorization: Bearer ${REDACTED}`],
    ["PEM private key", `key:\n${pem}\nend`, "key:\n[REDACTED PRIVATE KEY]\nend"],
    ["unterminated PEM private key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "[REDACTED PRIVATE KEY]"],
    ["sk- key", `use ${"sk-" + "proj-abcdefghijklmnop1234"} now`, `use ${REDACTED} now`],
    ["GitHub token", `${"ghp_" + "a".repeat(36)}`, REDACTED],
    ["Slack token", `${"xoxb-" + "1234567890-abcdefghij"}`, REDACTED],
    ["AWS access key id", `id=${"AKIA" + "IOSFODNN7EXAMPLE"}`, `id=${REDACTED}`],
    ["Gatehouse agent key", `key ${"gh_ac0e00000001_" + "DEMO-ONLY-acme-support-not-a-secret-xxxxxxx"}`, `key ${REDACTED}`],
    ["webhook secret", `${"whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, REDACTED],
    ["password assignment in text", "login with password=hunter2, thanks", `login with password=${REDACTED}, thanks`],
    ["card number with spaces (Luhn)", "card 4242 4242 4242 4242 exp", "card •••• •••• •••• 4242 exp"],
    ["card number with dashes (Luhn)", "card 5555-5555-5555-4444", "card •••• •••• •••• 4444"],
    ["card number, plain digits (Luhn)", "4000056655665556", "•••• •••• •••• 5556"],
    ["e-mail address", "write to jane.doe@example.com today", "write to j•••@example.com today"],
    ["international phone", "call +44 20 7946 0958", "call +•• •• •••• ••58"],
    ["US phone", "call (555) 123-4567", "call (•••) •••-••67"],
  ])("%s", (_name, input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it("a long number that fails Luhn is not treated as a card (the phone rule still masks ≥ 9 digits)", () => {
    expect(redactText("order 4242 4242 4242 4241")).toBe("order •••• •••• •••• ••41");
    expect(redactText("ref 12345678")).toBe("ref 12345678");
  });

  it("values under secret-looking keys are replaced whole", () => {
    const out = redact({
      password: "x",
      apiKey: "y",
      "X-Api-Key": "z",
      Authorization: "Basic abc",
      client_secret: { a: 1 },
      session_id: "s",
      cookies: ["a"],
      private_key: "k",
      credentials: "c",
      access_token: "t",
      passwd: "p",
    });
    expect(Object.values(out as object).every((v) => v === REDACTED)).toBe(true);
    expect(isSecretKey("ticket_id")).toBe(false);
  });

  it("walks nested objects and arrays, and masks card numbers sent as numbers", () => {
    expect(redact({ a: [{ to: "bob@example.org" }, 4242424242424242], b: { c: { token: "t" } } })).toEqual({
      a: [{ to: "b•••@example.org" }, "•••• •••• •••• 4242"],
      b: { c: { token: REDACTED } },
    });
  });
});

describe("redact — what must not change", () => {
  it("leaves ordinary text, ids, dates and numbers alone", () => {
    const input = {
      ticket_id: "T-18421",
      customer_id: "C-1042",
      resolution: "Reset auth token and verified login",
      date: "2026-11-24",
      at: "2026-11-24T10:30:00Z",
      id: "550e8400-e29b-41d4-a716-446655440000",
      amount_usd: 12.5,
      limit: 20,
      ok: true,
      none: null,
      url: "https://example.com/kb/123",
    };
    expect(redact(input)).toEqual(input);
  });

  it("never mutates its input", () => {
    const input = { password: "hunter2", nested: { to: "jane@example.com", list: ["Bearer abc"] } };
    const copy = structuredClone(input);
    const out = redact(input);
    expect(input).toEqual(copy);
    expect(out).not.toBe(input);
  });

  it("an own __proto__ key stays data", () => {
    const input = JSON.parse('{"__proto__":{"admin":true},"x":"y"}');
    const out = redact(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
  });

  it("stays fast on adversarial input (no catastrophic backtracking)", () => {
    const start = performance.now();
    for (const s of ["a.".repeat(32_000) + "@", "eyJ-".repeat(16_000), "12 ".repeat(21_000), "password=".repeat(7_000)]) redactText(s);
    expect(performance.now() - start).toBeLessThan(2_000);
  });
});
