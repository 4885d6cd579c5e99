import "server-only";
import { env } from "@/lib/env";
import { resultTtlMs } from "@/lib/mcp/sweep";

/** What the settings page says about this deployment: only non-secret facts. */
export function describeDeployment(): [string, string][] {
  const e = env();
  return [
    ["Console URL", e.publicUrl],
    ["Database", e.provider === "sqlite" ? "SQLite (embedded)" : "PostgreSQL"],
    ["Production mode", e.production ? "on" : "off"],
    ["Demo data", e.demo ? "on" : "off"],
    ["Single sign-on (OIDC)", e.OIDC_ISSUER ? `${e.OIDC_NAME} — ${e.OIDC_ISSUER}` : "not configured"],
    ["Token issuer / audience", `${e.GATEHOUSE_ISSUER} / ${e.GATEHOUSE_AUDIENCE}`],
  ];
}

/** How long each kind of record is kept (the settings page formats the periods); null: never trimmed by Gatehouse. */
export function describeRetention(): { what: string; seconds: number | null; after: string }[] {
  const e = env();
  return [
    {
      what: "Card copies of arguments (personal data kept)",
      seconds: e.GATEHOUSE_CARD_COPY_RETENTION_SECONDS,
      after: "after the action's final state, then reduced to the audit copy",
    },
    { what: "Webhook and callback deliveries", seconds: e.GATEHOUSE_DELIVERY_RETENTION_SECONDS, after: "after the last attempt, then deleted" },
    { what: "E-mail and Slack notifications", seconds: e.GATEHOUSE_NOTIFICATION_RETENTION_SECONDS, after: "after the last attempt, then deleted" },
    { what: "MCP gateway call answers", seconds: Math.round(resultTtlMs() / 1000), after: "after the call ends, then deleted" },
    { what: "Audit log", seconds: null, after: "kept: never trimmed by Gatehouse" },
  ];
}
