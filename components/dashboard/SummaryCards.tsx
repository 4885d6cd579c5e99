"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ConsoleSummary } from "@/lib/console/get-summary";
import { consoleKeys } from "@/components/console/query-keys";
import { fetchConsole } from "@/components/console/fetch-console";
import { Badge, statusTone } from "@/components/ui/Badge";
import { formatTime } from "@/components/ui/format-time";

const STATUS_ORDER = ["allowed", "approved", "pending", "rejected", "denied", "invalid", "expired", "cancelled"];

function Card({ label, value, href, testId }: { label: string; value: number | string; href?: string; testId: string }) {
  const body = (
    <div className="rounded-md border border-slate-200 bg-white px-4 py-3 shadow-sm">
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
  return href ? (
    <Link href={href} className="block hover:opacity-90">
      {body}
    </Link>
  ) : (
    body
  );
}

/** Live dashboard counts, refreshed every two seconds. */
export function SummaryCards() {
  const { data, error, isPending } = useQuery({
    queryKey: consoleKeys.summary(),
    queryFn: () => fetchConsole<ConsoleSummary>("/api/console/summary"),
    refetchInterval: 2_000,
  });
  const dash = isPending ? "…" : "—";
  const statuses = data ? Object.keys(data.last24hByStatus).sort((a, b) => STATUS_ORDER.indexOf(a) - STATUS_ORDER.indexOf(b)) : [];
  return (
    <div className="space-y-5">
      {error ? (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
          Live counts are unavailable: {error.message}
        </p>
      ) : null}
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Card label="Pending actions" value={data?.pendingActions ?? dash} href="/queue" testId="summary-pending" />
        <Card label="Active agent credentials" value={data?.activeCredentials ?? dash} testId="summary-credentials" />
        <Card label="Tenants" value={data?.tenants ?? dash} testId="summary-tenants" />
      </div>
      <section className="rounded-md border border-slate-200 bg-white px-4 py-3 shadow-sm">
        <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">Decisions in the last 24 h, by outcome</h2>
        {data && statuses.length === 0 ? <p className="mt-2 text-sm text-slate-500">No proposals in the last 24 hours.</p> : null}
        <dl className="mt-2 flex flex-wrap gap-x-6 gap-y-2">
          {statuses.map((s) => (
            <div key={s} className="flex items-center gap-2">
              <dt>
                <Badge tone={statusTone(s)}>{s}</Badge>
              </dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid={`summary-24h-${s}`}>
                {data?.last24hByStatus[s]}
              </dd>
            </div>
          ))}
        </dl>
      </section>
      {data ? <p className="text-xs text-slate-600">Updated {formatTime(data.generatedAt)}</p> : null}
    </div>
  );
}
