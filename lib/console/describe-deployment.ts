import "server-only";
import { env } from "@/lib/env";

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
