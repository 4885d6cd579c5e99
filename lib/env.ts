import "server-only";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";

/**
 * The one place that reads process.env. A bad value stops the start with a
 * message that names the variable.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  GATEHOUSE_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: or postgres://")
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  GATEHOUSE_URL: z.url().optional(),
  /** SMTP server for e-mail notifications (`smtp://user:pass@host:587`, `smtps://…`); unset: no e-mail. */
  GATEHOUSE_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
    .optional(),
  GATEHOUSE_MAIL_FROM: z.string().min(3).max(254).default("Gatehouse <gatehouse@localhost>"),
  /** Slack notifications (lib/slack): an incoming-webhook URL, or a bot token (`xoxb-…`) with a default channel for `chat.postMessage`. */
  GATEHOUSE_SLACK_WEBHOOK_URL: z.url().optional(),
  GATEHOUSE_SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[bp]-[A-Za-z0-9-]{10,200}$/, "must be a Slack bot token (xoxb-…)")
    .optional(),
  GATEHOUSE_SLACK_CHANNEL: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,20}$/, "must be a Slack channel id (C0123ABCD)")
    .optional(),
  /** The Web API base (tests point it at a local stand-in). */
  GATEHOUSE_SLACK_API_URL: z.url().default("https://slack.com/api"),
  /** Signing secret of the Slack app: verifies interactive and slash-command requests; unset, /api/slack/* refuses everything and messages carry no buttons. */
  GATEHOUSE_SLACK_SIGNING_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  /** Approve/Reject buttons on single-approval, non-destructive writes (needs the signing secret and the bot token); 0 for links only. */
  GATEHOUSE_SLACK_BUTTONS: z.enum(["0", "1"]).default("1"),
  GATEHOUSE_PRODUCTION: z.enum(["0", "1", "true", "false"]).optional(),
  GATEHOUSE_SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  GATEHOUSE_AT_REST_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{43,44}$/, "must be 32 bytes, base64")
    .optional(),
  GATEHOUSE_DEMO: z.enum(["0", "1", "true", "false"]).optional(),
  GATEHOUSE_ISSUER: z.string().min(1).default("gatehouse"),
  GATEHOUSE_AUDIENCE: z.string().min(1).default("gatehouse-tools"),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).default("SSO"),
  /** Scopes asked of the identity provider; add the one that releases group claims (e.g. `groups`) if it needs one. */
  OIDC_SCOPES: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "space-separated scope names")
    .default("openid email profile"),
  /** The claim (in the ID token and userinfo) that lists the user's groups; SsoGroupMapping maps them to roles and scopes. */
  OIDC_GROUPS_CLAIM: z.string().min(1).max(100).default("groups"),
  /** How often a live SSO session re-checks the user's groups with the provider, 30..900 s (default 120): the bound on how long a removed user keeps a session. */
  GATEHOUSE_SSO_RECHECK_SECONDS: z.coerce.number().int().min(30).max(900).default(120),
  /** "off": e-mail + password sign-in is refused except the audited recovery sign-in (password + one-time recovery code, scripts/recovery-codes.ts). */
  GATEHOUSE_PASSWORD_SIGNIN: z.enum(["on", "off"]).default("on"),
  /** Generated requests per fuzz property (test/security/fuzz.test.ts); 10000 for the long run. */
  GATEHOUSE_FUZZ_RUNS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Bearer token a Prometheus scraper presents at /metrics (admins may also use their session). */
  /** Lifetime of an action token, 1..300 s (default 300); shorter for tests and for operators who want it. */
  GATEHOUSE_ACTION_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(300).default(300),
  GATEHOUSE_METRICS_TOKEN: z.string().min(24, "must be at least 24 characters").optional(),
  /** How long after an action's final state its card copy (personal data kept, sealed) is kept before it is reduced to the audit copy. */
  GATEHOUSE_CARD_COPY_RETENTION_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(604_800),
  /** How long a finished webhook or agent-callback delivery (delivered, failed, gone) is kept after its last attempt, 1..366 days (default 30); then lib/retention deletes it with its attempts. */
  GATEHOUSE_DELIVERY_RETENTION_SECONDS: z.coerce.number().int().min(86_400).max(31_622_400).default(2_592_000),
  /**
   * How long a sent or failed notification (e-mail, Slack) is kept in the outbox, 2..366 days (default 30). At least
   * twice the sweep's 24 h lookback: a row still names who was told about an action the sweep may visit again.
   */
  GATEHOUSE_NOTIFICATION_RETENTION_SECONDS: z.coerce.number().int().min(172_800).max(31_622_400).default(2_592_000),
  /** Bound on one tool-service preview request (connect to last byte), 100..30000 ms. */
  /** DEMO ONLY: base URL of examples/ticket-service.ts; the demo seed points the ticket and refund tools' previews at it. */
  GATEHOUSE_DEMO_TOOL_SERVICE_URL: z.url().optional(),
  GATEHOUSE_PREVIEW_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
  /**
   * PostgreSQL: this instance's write pool (the ORM and raw transactions), 1..100 (default 10). Size the
   * deployment's total, not each instance: with N instances give each the total ÷ N (docs/postgres-operations.md).
   */
  GATEHOUSE_PG_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** PostgreSQL: this instance's read pool (agent authentication, polls, chain verification), 1..50 (default 4); sized like GATEHOUSE_PG_POOL_MAX. */
  GATEHOUSE_PG_READ_POOL_MAX: z.coerce.number().int().min(1).max(50).default(4),
  /**
   * BENCHMARK ONLY (bench/p9-postgres.ts's upper bound): append audit rows with no chain head, so
   * nothing links them. Refused unless GATEHOUSE_BENCH_ONLY holds BENCH_ONLY_ACK, on PostgreSQL, outside production.
   */
  GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: z.enum(["0", "1"]).optional(),
  GATEHOUSE_BENCH_ONLY: z.string().optional(),
});

/** What GATEHOUSE_BENCH_ONLY must say before a bench-only switch is accepted. */
export const BENCH_ONLY_ACK = "this-process-is-a-benchmark-and-its-audit-log-is-not-evidence";

export type Env = z.infer<typeof schema> & {
  dataDir: string;
  databaseUrl: string;
  provider: "sqlite" | "postgres";
  production: boolean;
  demo: boolean;
  /** Bench only: audit rows are appended without a chain head (unverifiable). Never true in production (parseEnv refuses). */
  benchAuditNoChainHead: boolean;
  sessionSecret: string;
  atRestKey: Buffer;
  /** The console's own origin: GATEHOUSE_URL, else http://localhost:PORT. */
  publicUrl: string;
};

const truthy = (v: string | undefined) => v === "1" || v === "true";

/** Parse an environment; throws one error that lists every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Gatehouse configuration is invalid:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.GATEHOUSE_DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `file:${path.join(dataDir, "gatehouse.db")}`;
  const provider = databaseUrl.startsWith("file:") ? "sqlite" : "postgres";
  const production = truthy(e.GATEHOUSE_PRODUCTION) || (e.NODE_ENV === "production" && provider === "postgres");
  const demo = e.GATEHOUSE_DEMO === undefined ? !production : truthy(e.GATEHOUSE_DEMO);
  if (production && demo) {
    throw new Error("Gatehouse configuration is invalid:\n  GATEHOUSE_DEMO: demo data is refused in production mode");
  }
  if (e.OIDC_ISSUER && !(e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET)) {
    throw new Error("Gatehouse configuration is invalid:\n  OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set");
  }
  const benchAuditNoChainHead = e.GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD === "1";
  if (benchAuditNoChainHead && (production || e.NODE_ENV === "production" || e.GATEHOUSE_BENCH_ONLY !== BENCH_ONLY_ACK || provider !== "postgres")) {
    throw new Error(
      "Gatehouse configuration is invalid:\n  GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: a benchmark-only switch that leaves the audit log unchained; refused in production, " +
        "on SQLite, and without GATEHOUSE_BENCH_ONLY's acknowledgement",
    );
  }
  if (e.GATEHOUSE_PASSWORD_SIGNIN === "off" && !e.OIDC_ISSUER) {
    throw new Error("Gatehouse configuration is invalid:\n  GATEHOUSE_PASSWORD_SIGNIN: off needs OIDC_ISSUER (nobody but the recovery sign-in could sign in)");
  }
  const secrets = resolveSecrets(e, dataDir, production);
  const publicUrl = new URL(e.GATEHOUSE_URL ?? `http://localhost:${e.PORT}`).origin;
  return { ...e, dataDir, databaseUrl, provider, production, demo, benchAuditNoChainHead, ...secrets, publicUrl };
}

type Secrets = { sessionSecret: string; atRestKey: Buffer };

/**
 * Production needs both secrets from the environment. The embedded default
 * generates them once into the data directory (mode 0600), never the repo.
 */
function resolveSecrets(e: z.infer<typeof schema>, dataDir: string, production: boolean): Secrets {
  if (e.GATEHOUSE_SESSION_SECRET && e.GATEHOUSE_AT_REST_KEY) {
    return { sessionSecret: e.GATEHOUSE_SESSION_SECRET, atRestKey: decodeKey(e.GATEHOUSE_AT_REST_KEY) };
  }
  if (production) {
    const missing = ["GATEHOUSE_SESSION_SECRET", "GATEHOUSE_AT_REST_KEY"].filter((k) => !e[k as keyof typeof e]);
    throw new Error(`Gatehouse configuration is invalid:\n  ${missing.join(", ")}: required in production mode (generate with: openssl rand -base64 32)`);
  }
  const file = path.join(dataDir, "secrets.json");
  let stored: { sessionSecret?: string; atRestKey?: string } = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!stored.sessionSecret || !stored.atRestKey) {
    stored = {
      sessionSecret: crypto.randomBytes(32).toString("base64url"),
      atRestKey: crypto.randomBytes(32).toString("base64"),
    };
    fs.mkdirSync(dataDir, { recursive: true });
    // wx: two processes starting at once must not overwrite each other's secrets.
    try {
      fs.writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      stored = JSON.parse(fs.readFileSync(file, "utf8"));
    }
  }
  return {
    sessionSecret: e.GATEHOUSE_SESSION_SECRET ?? stored.sessionSecret!,
    atRestKey: decodeKey(e.GATEHOUSE_AT_REST_KEY ?? stored.atRestKey!),
  };
}

function decodeKey(value: string): Buffer {
  const key = Buffer.from(value, value.includes("-") || value.includes("_") ? "base64url" : "base64");
  if (key.length !== 32) throw new Error("Gatehouse configuration is invalid:\n  GATEHOUSE_AT_REST_KEY: must decode to 32 bytes");
  return key;
}

const globalForEnv = globalThis as unknown as { gatehouseEnv?: Env };

/** The process's environment, parsed once. */
export function env(): Env {
  if (!globalForEnv.gatehouseEnv) {
    const parsed = parseEnv(process.env);
    // next-auth reads NEXTAUTH_URL itself (callback URLs, secure cookie names).
    process.env.NEXTAUTH_URL ??= parsed.publicUrl;
    globalForEnv.gatehouseEnv = parsed;
  }
  return globalForEnv.gatehouseEnv;
}

/** Tests point the process at a new environment (e.g. a temp data dir). */
export function resetEnvForTests(): void {
  globalForEnv.gatehouseEnv = undefined;
}
