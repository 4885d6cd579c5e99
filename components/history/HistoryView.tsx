"use client";

import Link from "next/link";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { ActionFilters } from "@/lib/approvals/schemas";
import type { HistoryRow } from "@/lib/approvals/list-history";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys, filterQuery } from "@/components/queue/query-keys";
import { ActionFilterBar } from "@/components/queue/ActionFilterBar";
import { Badge, kindTone, statusTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { AgentValue } from "@/components/approvals/UntrustedText";
import { formatDateTime } from "@/components/ui/format-time";

/** Decided actions with filters; votes cast in under 3 s are marked. */
export function HistoryView({ options }: { options: FilterOptions }) {
  const [filters, setFilters] = useState<ActionFilters>({});
  const { data, error, isPending } = useQuery({
    queryKey: approvalKeys.history(filters),
    queryFn: () => fetchConsole<{ items: HistoryRow[] }>(`/api/console/actions?${filterQuery(filters, { view: "history" })}`),
    refetchInterval: 5_000,
  });
  const rows = data?.items ?? [];
  return (
    <div className="space-y-3">
      <ActionFilterBar value={filters} onChange={setFilters} options={options} history />
      {error ? (
        <p role="alert" className="rounded bg-amber-50 px-3 py-2 text-sm text-amber-900">
          History could not be loaded: {error.message}
        </p>
      ) : null}
      {isPending ? <p className="text-sm text-slate-600">Loading…</p> : null}
      {!isPending && !error && rows.length === 0 ? <p className="text-sm text-slate-600">No decided actions match these filters.</p> : null}
      {rows.length ? (
        <Table label="Decided actions" head={["Summary", "Tool", "Tenant / env", "Route", "Outcome", "Decided by", "Decided"]}>
          {rows.map((a) => (
            <tr key={a.id} data-testid="history-row" data-action-id={a.id}>
              <Td className="max-w-sm">
                <Link href={`/actions/${encodeURIComponent(a.id)}`} className="text-slate-900 underline decoration-slate-300 hover:decoration-slate-900">
                  <AgentValue text={a.summary || a.id} />
                </Link>
              </Td>
              <Td>
                <span className="font-mono text-xs">{a.tool}</span> <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge>
              </Td>
              <Td>
                {a.tenantId} / {a.env}
              </Td>
              <Td className="font-mono text-xs">{a.route}</Td>
              <Td>
                <Badge tone={statusTone(a.status)}>{a.status}</Badge>
                <span className="ml-1 text-xs text-slate-600">{a.decisionReason}</span>
              </Td>
              <Td className="text-xs">
                {a.deciders.length === 0 ? <span className="text-slate-600">—</span> : null}
                {a.deciders.map((d) => (
                  <span key={d.email + d.vote} className="block">
                    {d.email} {d.vote === "approve" ? "approved" : "rejected"}
                    {d.timeOnCardMs !== null ? <span className="text-slate-600"> in {(d.timeOnCardMs / 1000).toFixed(1)} s</span> : null}
                    {d.fast ? (
                      <span className="ml-1" data-testid="fast-decision">
                        <Badge tone="amber">under 3 s</Badge>
                      </span>
                    ) : null}
                  </span>
                ))}
              </Td>
              <Td className="whitespace-nowrap text-xs text-slate-600">{formatDateTime(a.decidedAt)}</Td>
            </tr>
          ))}
        </Table>
      ) : null}
    </div>
  );
}
