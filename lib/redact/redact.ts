/**
 * Masking of secrets and personal data in values stored FOR DISPLAY (approval
 * cards, raw-args view). The binding to what runs is the args hash, taken over
 * the unredacted args before this is applied. Pure: no I/O.
 */

export const REDACTED = "[REDACTED]";
const DOT = "•";
const MAX_DEPTH = 32;

// Compared after lowercasing and dropping separators: `API-Key`, `apiKey`, `x_api_key`.
const SECRET_KEY_PARTS = ["password", "passwd", "secret", "token", "apikey", "authorization", "privatekey", "credential", "cookie", "session"];

/** True when a key's name says its value is a secret. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_KEY_PARTS.some((part) => k.includes(part));
}

type Rule = { name: string; pattern: RegExp; replace: (match: string, ...groups: string[]) => string };

/** Applied in order: the most specific shapes first, so a JWT inside a bearer header goes as a whole. */
const RULES: Rule[] = [
  {
    name: "pem-private-key",
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: () => "[REDACTED PRIVATE KEY]",
  },
  { name: "bearer", pattern: /\b(Bearer)[ \t]{1,8}[A-Za-z0-9\-._~+/]{1,4096}={0,2}/gi, replace: (_m, word) => `${word} ${REDACTED}` },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{5,1024}\.[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,1024}/g, replace: () => REDACTED },
  // Our own agent keys: gh_<12 hex>_<secret>.
  { name: "gatehouse-key", pattern: /\bgh_[0-9a-f]{12}_[A-Za-z0-9_-]{20,128}/g, replace: () => REDACTED },
  { name: "openai-style", pattern: /\bsk-[A-Za-z0-9_-]{16,256}/g, replace: () => REDACTED },
  { name: "github", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})/g, replace: () => REDACTED },
  { name: "slack", pattern: /\bxox[abpr]-[A-Za-z0-9-]{10,255}/g, replace: () => REDACTED },
  { name: "aws-access-key", pattern: /\bAKIA[0-9A-Z]{16}\b/g, replace: () => REDACTED },
  { name: "webhook-secret", pattern: /\bwhsec_[A-Za-z0-9+/=]{16,256}/g, replace: () => REDACTED },
  // `password=hunter2`, `api_key: abc` inside free text.
  {
    name: "secret-assignment",
    pattern:
      /\b(password|passwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret)([ \t]{0,4}[:=][ \t]{0,4})("[^"\n]{0,256}"|'[^'\n]{0,256}'|[^\s,;&"']{1,256})/gi,
    replace: (_m, key, sep) => `${key}${sep}${REDACTED}`,
  },
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

/** Mask secrets and personal data inside one string. */
export function redactText(s: string): string {
  let out = s;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: string[]) => string);
  return out;
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
