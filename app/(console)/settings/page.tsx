import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { describeDeployment, describeRetention } from "@/lib/console/describe-deployment";
import { formatPeriod } from "@/components/ui/format-time";
import { killSwitchFormOptions } from "@/lib/console/list-form-options";
import { pageRoles } from "@/components/console/nav-items";
import { PageHeader } from "@/components/ui/PageHeader";
import { KillSwitches } from "@/components/kill-switches/KillSwitches";
import { WebhookAdmin } from "@/components/webhooks/WebhookAdmin";
import Link from "next/link";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePageRole(...pageRoles("/settings"));
  const rows: [string, string][] = [
    ...describeDeployment(),
    ...describeRetention().map(({ what, seconds, after }): [string, string] => [`Retention: ${what}`, seconds === null ? after : `${formatPeriod(seconds)} ${after}`]),
  ];
  const { tenants, tools } = await killSwitchFormOptions();
  return (
    <>
      <PageHeader title="Settings" description="Kill switches, webhooks, API tokens, and how this Gatehouse is deployed. Secrets are never shown." />
      <div className="mb-6 space-y-6">
        <KillSwitches tenants={tenants} tools={tools} />
        <WebhookAdmin />
        <p className="text-sm">
          Personal API tokens (for bots and the CLI) are under{" "}
          <Link href="/settings/tokens" className="text-sky-700 hover:underline">
            API tokens
          </Link>
          .
        </p>
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
