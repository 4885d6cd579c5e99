"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionRow } from "@/lib/console/list-actions";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, dangerButtonClass } from "@/components/break-glass/ui";
import { Badge, kindTone } from "@/components/ui/Badge";

/** Pending actions, each approvable by the on-call alone under the open session. */
export function PendingApprovals({ sessionId }: { sessionId: string }) {
  const qc = useQueryClient();
  const { data } = useQuery({
    queryKey: breakGlassKeys.pending(),
    queryFn: () => fetchConsole<{ actions: ActionRow[] }>("/api/console/break-glass/pending"),
    refetchInterval: 2_000,
  });
  const approve = useMutation({
    mutationFn: (actionId: string) =>
      fetchConsole<{ status: string }>("/api/console/break-glass/approve", { method: "POST", body: JSON.stringify({ session_id: sessionId, action_id: actionId }) }),
    onSettled: () => void qc.invalidateQueries({ queryKey: breakGlassKeys.all }),
  });
  const actions = data?.actions ?? [];
  return (
    <Section title="Approve a pending action alone">
      {actions.length === 0 ? <p className="text-sm text-slate-500">Nothing is pending.</p> : null}
      <ul className="divide-y divide-slate-100">
        {actions.map((a) => (
          <li key={a.id} className="flex items-center justify-between gap-3 py-2" data-testid={`bg-pending-${a.id}`}>
            <div className="min-w-0 text-sm">
              <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge> <span className="font-mono text-xs">{a.tool}</span> — {a.summary}
              <div className="text-xs text-slate-500">
                {a.tenantId}/{a.env} · {a.route} · <span className="font-mono">{a.id}</span>
              </div>
            </div>
            <button type="button" className={dangerButtonClass} disabled={approve.isPending} onClick={() => approve.mutate(a.id)} aria-label={`Approve ${a.id} alone`}>
              Approve alone
            </button>
          </li>
        ))}
      </ul>
      {approve.data ? (
        <p className="mt-2 text-sm text-emerald-700" role="status">
          Action {approve.variables} is {approve.data.status}.
        </p>
      ) : null}
      <FormError error={approve.error} />
    </Section>
  );
}
