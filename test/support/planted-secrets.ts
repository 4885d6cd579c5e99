// Test-only fake secrets in the common formats, assembled from parts so secret
// scanners do not flag the source. Each carries a unique tag, so a test can plant
// many at once and tell which one leaked. `wrap` places it in free text the way
// it turns up in practice (a header, an env line, a URL, JSON pasted as text).

const j = (...parts: string[]) => parts.join("");

export type PlantedSecret = { name: string; make: (tag: string) => { secret: string; text: string } };

/** Tags are 8 characters of [A-Z0-9], so they fit every format below. */
export const PLANTED_SECRETS: PlantedSecret[] = [
  { name: "AWS access key id", make: (t) => ((s) => ({ secret: s, text: `key ${s} here` }))(j("AKIA", "Q7", t, "WNKDZ3")) },
  { name: "AWS secret access key", make: (t) => ((s) => ({ secret: s, text: `AWS_SECRET_ACCESS_KEY=${s}` }))(j("wJalrXUtnFEMI/K7MDENG/", t, "xRfiCYEXAMP")) },
  { name: "GitHub token", make: (t) => ((s) => ({ secret: s, text: `use ${s}` }))(j("ghp_", "A1b2C3d4E5f6G7h8I9j0K1l2M3", t)) },
  { name: "GitHub fine-grained token", make: (t) => ((s) => ({ secret: s, text: `use ${s}` }))(j("github_pat_", "11ABCDEFG0123456789_", t, "abcdefghijklmn")) },
  { name: "Slack bot token", make: (t) => ((s) => ({ secret: s, text: `slack ${s}` }))(j("xoxb-", "123456789012-", t, "-AbCdEfGhIjKlMnOp")) },
  {
    name: "Slack webhook URL",
    make: (t) => ((s) => ({ secret: s, text: `post to ${s} now` }))(j("https://hooks.slack.com/services/", "T01ABCDEF/B02GHIJKL/", t, "AbCdEfGhIjKlMnOp")),
  },
  { name: "Stripe live key", make: (t) => ((s) => ({ secret: s, text: `stripe ${s}` }))(j("sk_live_", "51HqQ2eK3x4Y5z6A", t)) },
  { name: "Google API key", make: (t) => ((s) => ({ secret: s, text: `maps ${s}` }))(j("AIza", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n", t.slice(0, 6))) },
  { name: "OpenAI key", make: (t) => ((s) => ({ secret: s, text: `openai ${s}` }))(j("sk-", "proj-", "Ab12Cd34Ef56Gh78", t)) },
  { name: "Anthropic key", make: (t) => ((s) => ({ secret: s, text: `claude ${s}` }))(j("sk-", "ant-api03-", "Ab12Cd34Ef56Gh78", t)) },
  { name: "JWT", make: (t) => ((s) => ({ secret: s, text: `jwt ${s}` }))(j("eyJhbGciOiJSUzI1NiJ9", ".", "eyJzdWIiOiJ", t, "In0", ".", "c2lnbmF0dXJl")) },
  {
    name: "PEM private key",
    make: (t) =>
      ((s) => ({ secret: s, text: `k:\n${j("-----BEGIN EC ", "PRIVATE KEY-----\n")}${s}\n${j("-----END EC ", "PRIVATE KEY-----")}` }))(j("MHcCAQEEI", t, "oAoGCCqGSM49")),
  },
  { name: "Bearer value", make: (t) => ((s) => ({ secret: s, text: `Authorization: Bearer ${s}` }))(j("opaque.", t, ".value")) },
  { name: "Basic value", make: (t) => ((s) => ({ secret: s, text: `Authorization: Basic ${s}` }))(Buffer.from(`admin:${t}-pw`).toString("base64")) },
  { name: "URL password", make: (t) => ((s) => ({ secret: s, text: `https://bob:${s}@api.example.com/x` }))(j("pw-", t)) },
  { name: "connection string", make: (t) => ((s) => ({ secret: s, text: `postgres://app:${s}@db.example.net:5432/app` }))(j("pw-", t)) },
  { name: "password assignment", make: (t) => ((s) => ({ secret: s, text: `{"password": "${s}"}` }))(j("pw-", t)) },
  { name: "client_secret assignment", make: (t) => ((s) => ({ secret: s, text: `client_secret=${s}` }))(j("cs-", t)) },
  { name: "Stripe restricted key", make: (t) => ((s) => ({ secret: s, text: `stripe ${s}` }))(j("rk_live_", "51HqQ2eK3x4Y5z6A", t)) },
  { name: "AWS secret access key, bare", make: (t) => ((s) => ({ secret: s, text: `here: ${s} ok` }))(j("wJalrXUtnFEMI/K7MDENG/", t, "xRfiCYEXAMP").slice(0, 40)) },
  { name: "random token by shape", make: (t) => ((s) => ({ secret: s, text: `upstream token ${s} expires` }))(j("8f2Kq9Zx", t, "L3mN7pR4tV6wY1aB5cD0")) },
  { name: "password phrase", make: (t) => ((s) => ({ secret: s, text: `the password for the vault is ${s}` }))(j("Pw", t, "!x")) },
  { name: "Basic credentials in prose", make: (t) => ((s) => ({ secret: s, text: `try Basic ${s} on it` }))(Buffer.from(`ops:${t}-pw`).toString("base64")) },
  {
    name: "PGP private key",
    make: (t) => ((s) => ({ secret: s, text: `${j("-----BEGIN PGP ", "PRIVATE KEY BLOCK-----\n")}${s}\n${j("-----END PGP ", "PRIVATE KEY BLOCK-----")}` }))(j("lQOYBF", t, "0abc")),
  },
];
