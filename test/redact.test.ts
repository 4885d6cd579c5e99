import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { redact, redactKnownSecrets, redactPersonalIn, redactSecrets, redactSecretsDeep, redactText, REDACTED, isSecretKey, hasSecret } from "@/lib/redact/redact";

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
      // Ids a reviewer reads or types stay readable: by shape they are not random tokens.
      commit: "3f786850e387550fdab836ed7e6dc881de23001b",
      action: "act_01kmz3h0r4Zq8xYaB3cD4eF5gH6iJ7k",
      stripe_charge: "ch_3MqLiJLkdIwHu7ix0snN0B15",
      handler: "GetCustomerByIdAndTenantHandler2024V2Final",
      cuid: "cmh1x2y3z0000abcd1234efgh",
      hash: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      article: "https://example.com/kb/123/how-to-reset-your-password-in-the-portal",
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

// Test-only fake secrets for the common formats, assembled from parts (see above).
const j = (...parts: string[]) => parts.join("");
const FORMATS: Array<[name: string, secret: string, input: (s: string) => string]> = [
  ["AWS access key id (AKIA)", j("AKIA", "Z3Q7EXAMPLE4WNKD"), (s) => `key ${s} here`],
  ["AWS temporary access key id (ASIA)", j("ASIA", "Z3Q7EXAMPLE4WNKD"), (s) => `key ${s} here`],
  ["AWS secret access key (env style)", j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"), (s) => `AWS_SECRET_ACCESS_KEY=${s}`],
  ["AWS secret access key (JSON in text)", j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"), (s) => `{"aws_secret_access_key": "${s}"}`],
  ["GitHub classic token (ghp_)", j("ghp_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"), (s) => `use ${s}`],
  ["GitHub OAuth token (gho_)", j("gho_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"), (s) => `use ${s}`],
  ["GitHub fine-grained token (github_pat_)", j("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"), (s) => `use ${s}`],
  ["GitLab token (glpat-)", j("glpat-", "xYz12AbC34dEf56GhI78"), (s) => `use ${s}`],
  ["Slack bot token (xoxb-)", j("xoxb-", "123456789012-1234567890123-AbCdEfGhIjKlMnOp"), (s) => `use ${s}`],
  ["Slack user token (xoxp-)", j("xoxp-", "123456789012-1234567890123-AbCdEfGhIjKlMnOp"), (s) => `use ${s}`],
  ["Slack webhook URL", j("https://hooks.slack.com/services/", "T01ABCDEF/B02GHIJKL/", "AbCdEfGhIjKlMnOpQrStUvWx"), (s) => `post to ${s} now`],
  ["Stripe live secret key (sk_live_)", j("sk_live_", "51HqQ2eK3x4Y5z6A7b8C9d0E"), (s) => `stripe ${s}`],
  ["Stripe restricted key (rk_live_)", j("rk_live_", "51HqQ2eK3x4Y5z6A7b8C9d0E"), (s) => `stripe ${s}`],
  ["Stripe test secret key (sk_test_)", j("sk_test_", "51HqQ2eK3x4Y5z6A7b8C9d0E"), (s) => `stripe ${s}`],
  ["Google API key (AIza)", j("AIza", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"), (s) => `maps ${s}`],
  ["OpenAI project key (sk-proj-)", j("sk-", "proj-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34"), (s) => `openai ${s}`],
  ["Anthropic key (sk-ant-)", j("sk-", "ant-api03-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34-Op56"), (s) => `claude ${s}`],
  ["npm token (npm_)", j("npm_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"), (s) => `npm ${s}`],
  ["JWT", j("eyJhbGciOiJSUzI1NiJ9", ".", "eyJzdWIiOiJhYmMifQ", ".", "c2lnbmF0dXJl"), (s) => `jwt ${s}`],
  ["PEM private key (OpenSSH)", j("-----BEGIN OPENSSH ", "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH ", "PRIVATE KEY-----"), (s) => `k:\n${s}\n`],
  ["Bearer Authorization value", j("Zm9vYmFy", "LnNlY3JldA"), (s) => `Authorization: Bearer ${s}`],
  ["Basic Authorization value", Buffer.from("admin:hunter2-secret").toString("base64"), (s) => `Authorization: Basic ${s}`],
  ["Basic credentials without the header name", Buffer.from("admin:hunter2-secret").toString("base64"), (s) => `send Basic ${s} to it`],
  ["token Authorization value", j("gh", "o-opaque-", "token-value-1234"), (s) => `authorization: token ${s}`],
  ["Cookie header", j("sid=", "s%3Aabcdef123456; csrf=zz99"), (s) => `Cookie: ${s}\nnext line`],
  ["URL with user:password@", j("hunter2", "-pass"), (s) => `fetch https://bob:${s}@api.example.com/x`],
  ["PostgreSQL connection string", j("s3cr3t", "-db-pass"), (s) => `DATABASE_URL=postgres://app:${s}@db.internal:5432/app`],
  ["MongoDB SRV connection string", j("s3cr3t", "-db-pass"), (s) => `mongodb+srv://app:${s}@cluster0.example.net/db`],
  ["password assignment", "hunter2-pass", (s) => `the password: ${s} ok`],
  ["passwd in JSON text", "hunter2-pass", (s) => `{"passwd":"${s}"}`],
  ["api_key assignment", "k-123456789", (s) => `api_key=${s}`],
  ["apikey assignment", "k-123456789", (s) => `apikey = '${s}'`],
  ["access_key assignment", "k-123456789", (s) => `access_key=${s}`],
  ["private_key assignment", "k-123456789", (s) => `PRIVATE-KEY: ${s}`],
  ["client_secret assignment", "k-123456789", (s) => `client_secret="${s}"`],
  ["session assignment", "k-123456789", (s) => `session=${s}`],
  ["X-Api-Key header", "k-123456789", (s) => `X-Api-Key: ${s}`],
  ["AWS secret access key by shape alone (no name)", j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"), (s) => `here it is: ${s} thanks`],
  ["AWS secret access key by shape, no / or +", j("Zk3Lq9XwT2vB7nM4", "pR8sD1fG6hJ0kL5aQ3wE9rT2"), (s) => `use ${s}`],
  ["random token by shape (base62)", j("8f2Kq9ZxL3mN7pR4", "tV6wY1aB5cD0eF2gH"), (s) => `token ${s} expires`],
  ["random token by shape (base64url, 64 chars)", j("Qm9yZ2VzLUxvY2F0aW9u_X3", "k9Pq-2ZrT7wYb4Nc8Vd1Hs6Jf0Lg5Mx3Ka"), (s) => `x-upstream ${s}`],
  ["PGP private key block", j("-----BEGIN PGP ", "PRIVATE KEY BLOCK-----\nlQOYBF0abc\n-----END PGP ", "PRIVATE KEY BLOCK-----"), (s) => `key:\n${s}`],
  ["PuTTY private key", j("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAAIB", "xyz\nPrivate-MAC: 0a1b2c"), (s) => `ppk ${s} end`],
  ["password is … (prose)", "hunter2-pass", (s) => `my password is ${s} for now`],
  ["the password for X is … (prose)", "Tr0ub4dor&3", (s) => `The password for the admin account is ${s}.`],
  ["passphrase was set to '…' (quoted)", "open sesame now", (s) => `the passphrase was set to '${s}'`],
  ["pwd is now: … (prose)", "s3cr3t!", (s) => `pwd is now: ${s}`],
];

describe("redact — every common secret format", () => {
  it.each(FORMATS)("%s", (_name, secret, input) => {
    const text = input(secret);
    const out = redactText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED.slice(0, 9));
    // The same inside a value under an innocent key, and as a JSON number-free string in an array.
    expect(JSON.stringify(redact({ note: text, list: [text] }))).not.toContain(secret);
  });

  it("secret-looking field names in any case and separator", () => {
    for (const k of [
      "password",
      "PassWord",
      "passwd",
      "secret",
      "token",
      "api_key",
      "API-KEY",
      "apikey",
      "access_key",
      "AccessKey",
      "private_key",
      "client_secret",
      "authorization",
      "Cookie",
      "session",
      "x-session-id",
      "passphrase",
    ]) {
      expect(isSecretKey(k), k).toBe(true);
      expect(redact({ [k]: "v-123" })).toEqual({ [k]: REDACTED });
    }
    for (const k of ["ticket_id", "author", "amount", "subject", "body", "to"]) expect(isSecretKey(k), k).toBe(false);
  });

  it("ordinary prose that mentions the words is left alone", () => {
    for (const s of [
      "Reset auth token and verified login",
      "basic troubleshooting steps",
      "see https://example.com/a@b",
      "The session ended at 10:30",
      "the password is wrong",
      "Your password was reset yesterday",
      "The password is case-sensitive.",
    ]) {
      expect(redactText(s)).toBe(s);
    }
  });
});

describe("redact — identifiers and the card copy", () => {
  const randomKey = ["8f2Kq9ZxL3mN7pR4", "tV6wY1aB5cD0eF2gH"].join("");

  it("a random-looking identifier (an idempotency key) is not a secret by shape alone; in free text it is masked", () => {
    expect(hasSecret(randomKey)).toBe(false);
    expect(redactKnownSecrets(randomKey)).toBe(randomKey);
    expect(redactSecrets(`key ${randomKey}`)).toBe(`key ${REDACTED}`);
    expect(hasSecret(["sk_live_", "51HqQ2eK3x4Y5z6A7b8C9d0E"].join(""))).toBe(true);
  });

  it("the card copy keeps personal data and masks secrets (keys and patterns)", () => {
    const out = redactSecretsDeep({ to: "jane.doe@example.com", phone: "+44 20 7946 0958", body: `token ${randomKey}`, api_key: "k", n: 4242424242424242 });
    expect(out).toEqual({ to: "jane.doe@example.com", phone: "+44 20 7946 0958", body: `token ${REDACTED}`, api_key: REDACTED, n: 4242424242424242 });
  });
});

describe("redact — the card copy and the audit copy from one secret pass", () => {
  it("redactPersonalIn(redactSecretsDeep(v)) equals redact(v) for any JSON value (property)", () => {
    const texts = [
      "jane.doe@example.com",
      "call +44 20 7946 0958",
      "4242 4242 4242 4242",
      `key ${["sk_live_", "51HqQ2eK3x4Y5z6A7b8C9d0E"].join("")}`,
      "password is hunter2",
      "T-18421",
    ];
    const leaf = fc.oneof(fc.string(), fc.constantFrom(...texts), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(4242424242424242));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("password", "to", "api_key", "body")), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(redactPersonalIn(redactSecretsDeep(v))).toEqual(redact(v));
      }),
      { numRuns: 500 },
    );
  });
});
