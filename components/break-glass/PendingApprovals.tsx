"use client";

import { useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { QueueItem } from "@/lib/approvals/list-queue";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, dangerButtonClass } from "@/components/break-glass/ui";
import { Badge, kindTone } from "@/components/ui/Badge";
import { AgentValue } from "@/components/approvals/UntrustedText";
import { ApprovalCard } from "@/components/approvals/ApprovalCard";
import { approvalKeys } from "@/components/queue/query-keys";
import { QueueSearch } from "@/components/queue/QueueSearch";

/**
 * Pending actions, each approvable by the on-call alone under the open
 * session. "Approve alone" first opens the same card a reviewer sees (payload,
 * blast radius, undo, current state) and asks for confirmation there. The
 * newest 50 are listed with the true count; the search finds any other.
 */
export function PendingApprovals({ sessionId }: { sessionId: string }) {
  const qc = useQueryClient();
  const [reviewing, setReviewing] = useState<string | null>(null);
  const [q, setQ] = useState("");
  const { data, isPending, error } = useQuery({
    queryKey: breakGlassKeys.pending(q),
    queryFn: () => fetchConsole<{ actions: QueueItem[]; total: number }>(`/api/console/break-glass/pending${q ? `?q=${encodeURIComponent(q)}` : ""}`),
    placeholderData: keepPreviousData,
    refetchInterval: 2_000,
  });
  const detail = useQuery({
    queryKey: approvalKeys.detail(reviewing ?? ""),
    queryFn: () => fetchConsole<ActionDetail>(`/api/console/actions/${encodeURIComponent(reviewing!)}`),
    enabled: reviewing !== null,
    refetchInterval: 2_000,
  });
  const approve = useMutation({
    mutationFn: (actionId: string) =>
      fetchConsole<{ status: string }>("/api/console/break-glass/approve", { method: "POST", body: JSON.stringify({ session_id: sessionId, action_id: actionId }) }),
    onSuccess: () => setReviewing(null),
    onSettled: () => void qc.invalidateQueries({ queryKey: breakGlassKeys.all }),
  });
  const actions = data?.actions ?? [];
  const shown = detail.data && detail.data.id === reviewing ? detail.data : null;
  return (
    <Section title="Approve a pending action alone">
      {isPending ? <p className="text-sm text-slate-600">Loading…</p> : null}
      {error ? (
        <p role="alert" className="text-sm text-red-800">
          Pending actions could not be loaded: {error.message}
        </p>
      ) : null}
      <QueueSearch
        label="Search pending"
        onSearch={(next) => setQ(next ?? "")}
        labelClassName="mb-2 flex max-w-sm flex-col text-xs font-medium text-slate-700"
        inputClassName="mt-0.5 rounded border border-slate-300 bg-white px-1.5 py-1 text-sm font-normal text-slate-900"
      />
      {data ? (
        <p className="mb-1 text-xs text-slate-700" data-testid="bg-pending-count" aria-live="polite">
          {data.total === actions.length
            ? `${data.total.toLocaleString("en-US")} pending${q ? " match" : ""}, newest first`
            : `${data.total.toLocaleString("en-US")} pending${q ? " match" : ""}; the newest ${actions.length} are shown — search to find another`}
        </p>
      ) : null}
      {!isPending && !error && actions.length === 0 ? <p className="text-sm text-slate-600">{q ? "No pending action matches." : "Nothing is pending."}</p> : null}
      <ul className="divide-y divide-slate-100">
        {actions.map((a) => (
          <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 py-2" data-testid={`bg-pending-${a.id}`}>
            <div className="min-w-0 text-sm">
              <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge> <span className="font-mono text-xs">{a.tool}</span> — <AgentValue text={a.summary} />
              <div className="text-xs text-slate-600">
                {a.tenantId}/{a.env} · {a.route} · <span className="font-mono">{a.id}</span>
              </div>
            </div>
            <button type="button" className={dangerButtonClass} disabled={approve.isPending} onClick={() => setReviewing(a.id)} aria-label={`Approve ${a.id} alone`}>
              Approve alone…
            </button>
          </li>
        ))}
      </ul>
      {reviewing ? (
        <div className="mt-3 rounded-md border-2 border-red-300 bg-red-50/40 p-2" data-testid="bg-review">
          {shown ? (
            <ApprovalCard
              detail={shown}
              decision={
                <div className="rounded-md border border-red-300 bg-white px-3 py-2" data-testid="decision-bar">
                  <p className="mb-2 text-sm font-medium text-red-900">
                    Break-glass: your approval alone executes this action now, without a second person. It is recorded and reviewed after the session.
                  </p>
                  {shown.viewer.whyNot && shown.state.some((n) => n.blocks) ? (
                    <p className="mb-2 text-sm text-red-800" data-testid="why-not">
                      {shown.viewer.whyNot}
                    </p>
                  ) : null}
                  <div className="flex flex-wrap gap-2">
                    <button type="button" className={dangerButtonClass} disabled={approve.isPending || shown.status !== "pending"} onClick={() => approve.mutate(shown.id)}>
                      Confirm: approve {shown.id} alone
                    </button>
                    <button type="button" className="rounded px-2 py-1.5 text-sm text-slate-700 underline" onClick={() => setReviewing(null)}>
                      Cancel
                    </button>
                  </div>
                </div>
              }
            />
          ) : detail.isError ? (
            <p role="alert" className="text-sm text-red-800">
              The action could not be loaded: {detail.error.message}
            </p>
          ) : (
            <p className="text-sm text-slate-600">Loading the card…</p>
          )}
        </div>
      ) : null}
      {approve.data ? (
        <p className="mt-2 text-sm text-emerald-800" role="status">
          Action {approve.variables} is {approve.data.status}.
        </p>
      ) : null}
      <FormError error={approve.error} />
    </Section>
  );
}
