"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { fetchConsole } from "@/components/console/fetch-console";
import { withClockSkew } from "@/components/console/clock-skew";
import { approvalKeys } from "@/components/queue/query-keys";
import { ApprovalCard } from "@/components/approvals/ApprovalCard";
import { DecisionBar } from "@/components/approvals/DecisionBar";
import { ToastProvider, useToast } from "@/components/approvals/Toasts";
import { ActionTimeline } from "@/components/history/ActionTimeline";
import { UntrustedText } from "@/components/approvals/UntrustedText";
import { voteOutcome } from "@/components/approvals/vote-messages";
import { useRefetchOnChange } from "@/components/queue/use-console-version";

type DetailResponse = ActionDetail & { serverTime: string };

/** One action: its card (with the decision while it is pending), outcome and audit timeline. */
export function ActionDetailView({ initial }: { initial: DetailResponse }) {
  return (
    <ToastProvider>
      <Detail initial={initial} />
    </ToastProvider>
  );
}

function Detail({ initial }: { initial: DetailResponse }) {
  const toast = useToast();
  const qc = useQueryClient();
  // Kill switches, votes, expiry: the card refetches when the console's change version moves.
  useRefetchOnChange();
  const { data } = useQuery({
    queryKey: approvalKeys.detail(initial.id),
    queryFn: async () => withClockSkew(await fetchConsole<DetailResponse>(`/api/console/actions/${encodeURIComponent(initial.id)}`)),
    // The server-rendered copy has no skew measured in this browser: treat it as stale so the
    // first client fetch (on mount) measures it.
    initialData: { ...initial, clockSkewMs: 0 },
    initialDataUpdatedAt: 0,
    refetchInterval: 10_000,
  });
  const d = data;
  const refresh = () => void qc.invalidateQueries({ queryKey: approvalKeys.all });
  const skew = d.clockSkewMs;
  return (
    <div className="grid grid-cols-1 gap-6 pb-44 md:pb-0 xl:grid-cols-[minmax(0,1fr)_22rem]">
      <div className="min-w-0 space-y-3">
        <ApprovalCard
          detail={d}
          clockSkewMs={skew}
          decision={
            d.status === "pending" ? (
              <DecisionBar
                detail={d}
                key={d.id}
                onDecided={(vote, r) => {
                  const o = voteOutcome(vote, r, d.gateway);
                  toast(o.tone, o.text);
                  refresh();
                }}
                onRefused={() => refresh()}
                onExtended={() => {
                  toast("ok", "Time extended once.");
                  refresh();
                }}
              />
            ) : null
          }
        />
        {d.rejectReason ? (
          <section aria-label="Rejection reason" className="rounded-md border border-red-200 bg-red-50 px-3 py-2">
            <h3 className="text-[11px] font-semibold uppercase tracking-wide text-red-800">Reason sent to the agent (written by a reviewer)</h3>
            <UntrustedText text={d.rejectReason} />
          </section>
        ) : null}
        {d.result ? (
          <p className="text-sm text-slate-700" data-testid="action-result">
            Result: <strong>{d.result.status}</strong>
            {d.result.durationMs !== null ? ` in ${d.result.durationMs} ms` : ""}
            {d.result.error ? ` — ${d.result.error}` : ""}
          </p>
        ) : null}
      </div>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title" className="mb-2 text-sm font-semibold text-slate-900">
          Timeline (from the audit log)
        </h2>
        <ActionTimeline actionId={d.id} entries={d.timeline} omitted={d.timelineOmitted} />
      </section>
    </div>
  );
}
