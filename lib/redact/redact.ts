/**
 * Masking of secrets and personal data in everything an agent sends before it
 * is stored (args, reason, preview, a reported result's error) and in values
 * shown FOR DISPLAY (approval cards, raw-args view). The binding to what runs
 * is the args hash, taken over the unredacted args before this is applied.
 * Pure: no I/O, synchronous, linear-time patterns.
 *
 * The API, for every caller (agent input, display specs):
 * - `redact(value)`: a deep copy of a JSON-like value, secrets and personal data masked;
 * - `redactText(s)`: one free-text string, secrets and personal data masked;
 * - `redactSecrets(s)`: secrets only, by format and by shape (free text where masking a
 *   phone-like run of digits would change what the string means);
 * - `redactKnownSecrets(s)` / `hasSecret(s)`: secrets of a known format or name only
 *   (identifiers: a random-looking idempotency key is the agent's own);
 * - `redactSecretsIn(value)`: a deep copy with every string passed through `redactSecrets`
 *   (no key-based masking): the audit writer's last line of defence;
 * - `redactSecretsDeep(value)`: a deep copy with secrets masked (secret-named keys and
 *   secret patterns) but personal data kept: the approval card's sealed copy;
 * - `redactPersonalIn(cardCopy)`: the personal-data pass over a `redactSecretsDeep` copy;
 *   `redactPersonalIn(redactSecretsDeep(v))` equals `redact(v)` (one secret pass for both copies);
 * - `isSecretKey(key)`: a field name that says its value is a secret.
 *
 * Hand-written rather than a library: the maintained scanners (secretlint's
 * presets, gitleaks ports) are async, file-oriented linters, and the redaction
 * libraries mask paths or PII, not these token formats; a fixed table of
 * anchored, bounded patterns is synchronous and cheap on the agent hot path.
 */

export const REDACTED = "[REDACTED]";
const DOT = "•";
const MAX_DEPTH = 32;

// Compared after lowercasing and dropping separators: `API-Key`, `apiKey`, `x_api_key`.
const SECRET_KEY_PARTS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "accesskey",
  "authorization",
  "privatekey",
  "privkey",
  "credential",
  "cookie",
  "session",
];

/** True when a key's name says its value is a secret. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_KEY_PARTS.some((part) => k.includes(part));
}

type Rule = { name: string; pattern: RegExp; replace: (match: string, ...groups: string[]) => string };

// A field name in free text whose value is a secret (`password=…`, `"api_key": "…"`, `X-Api-Key: …`).
const SECRET_NAME =
  "[A-Za-z0-9_-]{0,40}?(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?|session(?:[_-]?(?:id|key|token))?)[A-Za-z0-9_-]{0,20}";

/** Words that follow "password is" without being one ("the password is wrong"). */
const NOT_A_PASSWORD =
  /^(?:expired|incorrect|wrong|required|invalid|weak|strong|too|not|the|a|an|reset|correct|missing|empty|blank|set|changed|ok|fine|valid|case-sensitive|mandatory|optional|stored|hashed|unknown)[.,;:!?]?$/i;
const PASSWORD_WORD = "(?:pass(?:word|phrase|code)|passwd|pwd|pin[ \\t]+code)";

/** Secrets, applied in order: the most specific shapes first, so a JWT inside a bearer header goes as a whole. */
const SECRET_RULES: Rule[] = [
  {
    // PEM (RSA, EC, OpenSSH, PKCS#8, encrypted) and PGP armour; an unterminated block goes to the end.
    name: "pem-private-key",
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: () => "[REDACTED PRIVATE KEY]",
  },
  { name: "putty-private-key", pattern: /PuTTY-User-Key-File-\d:[^\r\n]{0,200}[\s\S]*?(?:Private-MAC:[ \t]*[0-9a-fA-F]{1,128}|$)/g, replace: () => "[REDACTED PRIVATE KEY]" },
  // A header line whose whole value is a secret: every cookie in it, any auth scheme.
  { name: "cookie-header", pattern: /\b((?:set-)?cookie)([ \t]{0,4}:[ \t]{0,4})[^\r\n]{1,4096}/gi, replace: (_m, name, sep) => `${name}${sep}${REDACTED}` },
  { name: "bearer", pattern: /\b(Bearer)[ \t]{1,8}[A-Za-z0-9\-._~+/]{1,4096}={0,2}/gi, replace: (_m, word) => `${word} ${REDACTED}` },
  {
    name: "basic",
    pattern: /\b(Basic)[ \t]{1,8}([A-Za-z0-9+/]{4,4096}={0,2})/gi,
    // Only what decodes to `user:password`, so "basic troubleshooting" stays prose.
    replace: (m, word, value) => (Buffer.from(value, "base64").toString("latin1").includes(":") ? `${word} ${REDACTED}` : m),
  },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{5,1024}\.[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,1024}/g, replace: () => REDACTED },
  // Our own agent keys: gh_<12 hex>_<secret>.
  { name: "gatehouse-key", pattern: /\bgh_[0-9a-f]{12}_[A-Za-z0-9_-]{20,128}/g, replace: () => REDACTED },
  // OpenAI (sk-…, sk-proj-…) and Anthropic (sk-ant-…).
  { name: "openai-anthropic", pattern: /\bsk-[A-Za-z0-9_-]{16,256}/g, replace: () => REDACTED },
  { name: "github", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})/g, replace: () => REDACTED },
  { name: "gitlab", pattern: /\bglpat-[A-Za-z0-9_-]{20,255}/g, replace: () => REDACTED },
  { name: "npm", pattern: /\bnpm_[A-Za-z0-9]{36,255}/g, replace: () => REDACTED },
  { name: "slack-token", pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,255}/g, replace: () => REDACTED },
  { name: "slack-webhook", pattern: /\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,512}/gi, replace: () => REDACTED },
  { name: "stripe", pattern: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}/g, replace: () => REDACTED },
  { name: "google-api-key", pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replace: () => REDACTED },
  { name: "aws-access-key", pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g, replace: () => REDACTED },
  { name: "webhook-secret", pattern: /\bwhsec_[A-Za-z0-9+/=]{16,256}/g, replace: () => REDACTED },
  // `https://user:pass@host`, `postgres://app:pass@db/app`: the user stays, the password goes.
  {
    name: "url-credentials",
    pattern: /\b([a-z][a-z0-9+.-]{1,30}:\/\/)([^\s:@/?#]{0,256}):([^\s@/?#]{1,512})@/gi,
    replace: (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`,
  },
  // `password=hunter2`, `"api_key": "abc"`, `Authorization: token abc` inside free text.
  {
    name: "secret-assignment",
    pattern: new RegExp(
      `\\b(${SECRET_NAME})(["']?[ \\t]{0,4}[:=][ \\t]{0,4})((?:Bearer|Basic|Token|Digest|Bot)[ \\t]{1,4})?("[^"\\n]{0,512}"|'[^'\\n]{0,512}'|[^\\s,;&"'}]{1,512})`,
      "gi",
    ),
    replace: (m, key, sep, scheme = "", value) => (value === REDACTED ? m : `${key}${sep}${scheme}${REDACTED}`),
  },
  // Prose: "my password is hunter2", "the passphrase for the vault is 'x y'", "pw was set to abc".
  {
    name: "password-phrase",
    pattern: new RegExp(
      `\\b(${PASSWORD_WORD}(?:[ \\t]+(?:for|of|on|to)(?:[ \\t]+[^\\s]{1,40}){1,4}?)?[ \\t]+(?:(?:(?:is|was|has[ \\t]+been|will[ \\t]+be)[ \\t]+)?(?:set|reset|changed)[ \\t]+to|is(?:[ \\t]+now)?|was|will[ \\t]+be)[ \\t]*:?[ \\t]+)("[^"\\n]{1,256}"|'[^'\\n]{1,256}'|[^\\s"']{1,256})`,
      "gi",
    ),
    replace: (m, lead, value) => (value === REDACTED || NOT_A_PASSWORD.test(value) ? m : `${lead}${REDACTED}`),
  },
];

/** Gatehouse's ids: `act_` + 10 base-32 time characters + base64url; readable, never secrets. */
const OWN_ID = /^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{10}[A-Za-z0-9_-]{11,32}$/;

/**
 * The shape of a random token: upper case, lower case and digits all present, the
 * character class changes often (random base62: on ~60% of characters), and runs of
 * lower case are short (random: ~1.7 on average; the words of a CamelCase name: 4+).
 */
function looksRandom(s: string): boolean {
  if (OWN_ID.test(s)) return false;
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let switches = 0;
  let lowerRuns = 0;
  let prev = "";
  for (const ch of s) {
    const cls = ch >= "A" && ch <= "Z" ? "u" : ch >= "a" && ch <= "z" ? "l" : ch >= "0" && ch <= "9" ? "d" : "o";
    if (cls === "u") upper++;
    else if (cls === "l") lower++;
    else if (cls === "d") digit++;
    if (cls !== prev) {
      if (prev) switches++;
      if (cls === "l") lowerRuns++;
    }
    prev = cls;
  }
  return upper >= 2 && lower >= 2 && digit >= 2 && switches / (s.length - 1) >= 0.3 && lower / lowerRuns < 2.5;
}

/**
 * Secrets by shape alone (no prefix, no name): applied to agent text after the
 * rules above, but not to identifiers (`hasSecret`), where a random-looking
 * idempotency key is the agent's own and refusing it would break the call.
 */
const SHAPE_RULES: Rule[] = [
  // AWS secret access keys by shape: exactly 40 base64 characters mixing upper, lower and digits
  // (a git SHA is lowercase hex; an id a reviewer reads is shorter or has separators).
  {
    name: "aws-secret-access-key",
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replace: (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) ? REDACTED : m),
  },
  // Other random tokens by shape, not by blanket entropy: 32+ characters that switch between upper case,
  // lower case and digits like random text does. CamelCase names, hex hashes, UUIDs and Gatehouse's own
  // ids (act_…, jti_…) stay readable.
  {
    name: "random-token",
    pattern: /(?<![A-Za-z0-9_+/=.-])[A-Za-z0-9_+/-]{32,1024}={0,2}(?![A-Za-z0-9_+/=.-])/g,
    replace: (m) => (looksRandom(m) ? REDACTED : m),
  },
];

/**
 * Every secret rule needs one of these (a separator, a keyword, or an 18-character
 * token run); a string without any skips the table, which keeps the audit writer's
 * pass over short names and codes cheap. test/redact.test.ts checks each format passes it.
 */
const MAYBE_SECRET = /[:=@]|-----BEGIN|bearer|basic|eyJ|xox|pass(?:word|phrase|code)|passwd|pwd|pin[ \t]+code|PuTTY|[A-Za-z0-9_-]{18}|[A-Za-z0-9/+]{40}/i;

/** Personal data: masked for display and storage, keeping enough to recognise it. */
const PERSONAL_RULES: Rule[] = [
  {
    name: "email",
    pattern: /\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}@((?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24})\b/g,
    replace: (_m, first, domain) => `${first}${DOT.repeat(3)}@${domain}`,
  },
  {
    name: "card",
    pattern: /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    replace: (m) => {
      const digits = m.replace(/\D/g, "");
      if (digits.length < 13 || digits.length > 19 || !luhn(digits)) return m;
      return `${DOT.repeat(4)} ${DOT.repeat(4)} ${DOT.repeat(4)} ${digits.slice(-4)}`;
    },
  },
  {
    name: "phone",
    pattern: /(?<![\w+.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,5}(?![\w-])/g,
    replace: (m) => {
      const total = m.replace(/\D/g, "").length;
      if (total < 9) return m;
      let seen = 0;
      // Keep the format, mask every digit but the last two.
      return m.replace(/\d/g, (d) => (++seen > total - 2 ? d : DOT));
    },
  },
];

/** Luhn checksum, so order numbers that merely look long are not called cards. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function apply(rules: Rule[], s: string): string {
  let out = s;
  for (const rule of rules) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: string[]) => string);
  return out;
}

/** Mask secrets and personal data inside one string. */
export function redactText(s: string): string {
  return apply(PERSONAL_RULES, redactSecrets(s));
}

/** Mask secrets only (no personal-data rules), by format and by shape: for free text whose digits are not phone numbers. */
export function redactSecrets(s: string): string {
  return MAYBE_SECRET.test(s) ? apply(SHAPE_RULES, apply(SECRET_RULES, s)) : s;
}

/** Mask secrets of a known format or name only (not by shape): for identifiers (tool, route, idempotency key). */
export function redactKnownSecrets(s: string): string {
  return MAYBE_SECRET.test(s) ? apply(SECRET_RULES, s) : s;
}

/** True when the string holds a secret of a known format or name (identifiers are refused for it; shape alone does not count). */
export function hasSecret(s: string): boolean {
  return redactKnownSecrets(s) !== s;
}

/**
 * A deep copy of a JSON-like value with secrets and personal data masked:
 * values under secret-looking keys become "[REDACTED]", strings are passed
 * through `redactText`. The input is never mutated.
 */
export function redact(value: unknown): unknown {
  return walk(value, 0);
}

function walk(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value === "number") {
    // A card or phone number sent as a JSON number is still personal data.
    const masked = redactText(String(value));
    return masked === String(value) ? value : masked;
  }
  if (typeof value === "boolean" || value === null) return value;
  if (typeof value === "bigint") return redactText(value.toString());
  if (typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty, so an own "__proto__" key stays data and never sets a prototype.
    Object.defineProperty(out, k, { value: isSecretKey(k) ? REDACTED : walk(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A deep copy of a JSON-like value with secrets masked and personal data kept:
 * values under secret-looking keys become "[REDACTED]", strings pass through
 * `redactSecrets`. What a reviewer must read (a recipient, a phone number on a
 * ticket) stays readable; it is stored only sealed (lib/approvals/card-copy.ts).
 */
export function redactSecretsDeep(value: unknown): unknown {
  return walkKeepingPersonal(value, 0);
}

function walkKeepingPersonal(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (typeof value === "bigint") return redactSecrets(value.toString());
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  if (Array.isArray(value)) return value.map((v) => walkKeepingPersonal(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, { value: isSecretKey(k) ? REDACTED : walkKeepingPersonal(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The personal-data rules over a copy whose secrets are already masked (a
 * `redactSecretsDeep` result): `redactPersonalIn(redactSecretsDeep(v))` is
 * `redact(v)`, so the card copy and the audit copy cost one secret pass.
 */
export function redactPersonalIn(value: unknown): unknown {
  return walkPersonal(value, 0);
}

function walkPersonal(value: unknown, depth: number): unknown {
  if (typeof value === "string") return apply(PERSONAL_RULES, value);
  if (typeof value === "number") {
    const masked = apply(PERSONAL_RULES, String(value));
    return masked === String(value) ? value : masked;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  if (Array.isArray(value)) return value.map((v) => walkPersonal(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, { value: walkPersonal(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A deep copy of a JSON-like value with the secret rules applied to every string
 * (keys and numbers untouched). For records whose field names are the system's own.
 */
export function redactSecretsIn(value: unknown): unknown {
  return walkSecrets(value, 0);
}

function walkSecrets(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  if (Array.isArray(value)) return value.map((v) => walkSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, { value: walkSecrets(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Below this length a value is not stripped by exact match (it would mangle ordinary text, and is no credential). */
const MIN_EXACT_SECRET = 8;

/**
 * The known secret values (an upstream's credential headers: the whole value, and a scheme's token after
 * "Bearer "/"Basic "/…) masked wherever they occur in a value's strings and keys, whatever their format: what
 * the secret patterns cannot know. Always applied to what an upstream answers, redaction switch or not.
 */
export function redactExactIn(value: unknown, secrets: readonly string[]): unknown {
  const list = [...new Set(secrets.flatMap((s) => [s, s.replace(/^(?:Bearer|Basic|Token|Bot)\s+/i, "")]))]
    .filter((s) => s.length >= MIN_EXACT_SECRET)
    .sort((a, b) => b.length - a.length);
  if (!list.length) return value;
  const mask = (s: string) => (list.some((x) => s.includes(x)) ? list.reduce((acc, x) => acc.split(x).join("[REDACTED]"), s) : s);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return mask(v);
    if (v === null || typeof v !== "object") return v;
    if (depth >= MAX_DEPTH) return "[TRUNCATED]";
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, mask(k), { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return walk(value, 0);
}
