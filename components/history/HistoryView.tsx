"use client";

import Link from "next/link";
import { Suspense, useCallback, useMemo, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ActionFilters } from "@/lib/approvals/schemas";
import type { HistoryPage } from "@/lib/approvals/list-history";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys, filterQuery, HISTORY_FILTER_KEYS } from "@/components/queue/query-keys";
import { ActionFilterBar } from "@/components/queue/ActionFilterBar";
import { PageButton } from "@/components/ui/PageButton";
import { Badge, kindTone, statusTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { AgentValue } from "@/components/approvals/UntrustedText";
import { formatDateTime } from "@/components/ui/format-time";

/** Decided actions with filters, 50 a page, newest first; votes cast in under 3 s are marked. Filters and page live in the URL. */
export function HistoryView({ options }: { options: FilterOptions }) {
  return (
    <Suspense fallback={<p className="text-sm text-slate-600">Loading…</p>}>
      <History options={options} />
    </Suspense>
  );
}

function History({ options }: { options: FilterOptions }) {
  const sp = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => {
    const f: Record<string, string> = {};
    for (const k of HISTORY_FILTER_KEYS) {
      const v = sp.get(k);
      if (v) f[k] = v;
    }
    return f as ActionFilters;
  }, [sp]);
  const older = sp.get("older");
  // The cursors of the newer pages this tab walked through, so "Newer" steps back one page (a reloaded link starts fresh).
  const [newer, setNewer] = useState<(string | null)[]>([]);
  const go = useCallback(
    (f: ActionFilters, cursor: string | null) => {
      const p = new URLSearchParams();
      for (const k of HISTORY_FILTER_KEYS) if (f[k]) p.set(k, String(f[k]));
      if (cursor) p.set("older", cursor);
      const qs = p.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  const { data, error, isPending } = useQuery({
    queryKey: approvalKeys.history(filters, older),
    queryFn: () => fetchConsole<HistoryPage>(`/api/console/actions?${filterQuery(filters, older ? { view: "history", older } : { view: "history" })}`),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const rows = data?.items ?? [];
  return (
    <div className="space-y-3">
      <ActionFilterBar
        value={filters}
        onChange={(f) => {
          setNewer([]);
          go(f, null);
        }}
        options={options}
        history
      />
      <div className="flex flex-wrap items-center gap-1.5">
        <p className="grow text-xs text-slate-700" data-testid="history-page" aria-live="polite">
          {older ? "Older decisions" : "The newest decisions"}, 50 a page{data && !data.older ? "; nothing older matches" : ""}
        </p>
        <PageButton label="Newest" disabled={!older} onClick={() => (setNewer([]), go(filters, null))} />
        <PageButton label="Newer" disabled={!older} onClick={() => (setNewer(newer.slice(0, -1)), go(filters, newer.at(-1) ?? null))} />
        <PageButton label="Older" disabled={!data?.older} onClick={() => data?.older && (setNewer([...newer, older]), go(filters, data.older))} />
      </div>
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
