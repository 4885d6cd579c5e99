import type { Metadata } from "next";
import { env } from "@/lib/env";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { db } from "@/lib/db/client";
import { KillSwitches } from "@/components/tools/KillSwitches";
import { WebhookAdmin } from "@/components/webhooks/WebhookAdmin";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePageRole(...pageRoles("/settings"));
  const e = env();
  // Only non-secret facts about the deployment.
  const rows: [string, string][] = [
    ["Console URL", e.publicUrl],
    ["Database", e.provider === "sqlite" ? "SQLite (embedded)" : "PostgreSQL"],
    ["Production mode", e.production ? "on" : "off"],
    ["Demo data", e.demo ? "on" : "off"],
    ["Single sign-on (OIDC)", e.OIDC_ISSUER ? `${e.OIDC_NAME} — ${e.OIDC_ISSUER}` : "not configured"],
    ["Token issuer / audience", `${e.GATEHOUSE_ISSUER} / ${e.GATEHOUSE_AUDIENCE}`],
  ];
  const [tenants, tools] = await Promise.all([db().tenant.findMany({ orderBy: { id: "asc" } }), db().tool.findMany({ orderBy: { name: "asc" }, select: { name: true } })]);
  return (
    <>
      <PageHeader title="Settings" description="Kill switches, webhooks, and how this Gatehouse is deployed. Secrets are never shown." />
      <div className="mb-6 space-y-6">
        <KillSwitches tenants={tenants.map((t) => t.id)} tools={tools.map((t) => t.name)} />
        <WebhookAdmin />
      </div>
      <dl className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white">
        {rows.map(([k, v]) => (
          <div key={k} className="grid grid-cols-3 gap-4 px-4 py-2 text-sm">
            <dt className="text-slate-500">{k}</dt>
            <dd className="col-span-2 font-mono text-xs leading-5">{v}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
