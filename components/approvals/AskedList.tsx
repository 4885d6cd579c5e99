"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { AskView } from "@/lib/reviewer-groups/asks";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys } from "@/components/queue/query-keys";
import { formatDateTime } from "@/components/ui/format-time";

const WHY: Record<AskView["reason"], string> = { routed: "routed", escalated: "escalated", reassigned: "reassigned" };

/**
 * The card's "Asked" line: which group or person was asked to decide, why
 * (routed, escalation step, reassigned by whom) and when; for an admin, a
 * reassign control (the server re-checks the role and the scopes).
 */
export function AskedList({ asked, actionId, reassignGroups }: { asked: readonly AskView[]; actionId: string; reassignGroups: readonly { id: string; name: string }[] | null }) {
  const qc = useQueryClient();
  const [group, setGroup] = useState("");
  const [error, setError] = useState<string | null>(null);
  const reassign = useMutation({
    mutationFn: () => fetchConsole(`/api/console/actions/${encodeURIComponent(actionId)}/reassign`, { method: "POST", body: JSON.stringify({ group_id: group }) }),
    onSuccess: () => {
      setError(null);
      void qc.invalidateQueries({ queryKey: approvalKeys.detail(actionId) });
    },
    onError: (e) => setError((e as Error).message),
  });
  const canReassign = !!reassignGroups?.length;
  if (!asked.length && !canReassign) return null;
  return (
    <section
      aria-label="Asked"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-violet-200 bg-violet-50 px-3 py-1.5 text-xs text-violet-950"
      data-testid="card-asked"
    >
      {asked.length ? (
        <div className="min-w-0">
          <h3 className="inline font-semibold">Asked: </h3>
          <ul className="inline">
            {asked.map((a, i) => (
              <li key={`${a.reason}-${a.level}`} className="inline" data-testid="asked-entry">
                {i ? " · " : ""}
                <strong>{a.group ?? a.user ?? "someone"}</strong> ({WHY[a.reason]}
                {a.reason === "escalated" ? ` step ${a.level}` : ""}
                {a.askedBy ? ` by ${a.askedBy}` : ""}, <time dateTime={a.at}>{formatDateTime(a.at)}</time>)
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {canReassign ? (
        <form
          className="ml-auto flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (group) reassign.mutate();
          }}
        >
          <label className="sr-only" htmlFor={`reassign-${actionId}`}>
            Reassign to group
          </label>
          <select id={`reassign-${actionId}`} value={group} onChange={(e) => setGroup(e.target.value)} className="rounded border border-violet-300 bg-white p-0.5 text-xs">
            <option value="">reassign to…</option>
            {reassignGroups!.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!group || reassign.isPending} className="rounded border border-violet-300 bg-white px-2 py-0.5 disabled:opacity-50">
            Reassign
          </button>
          {error ? (
            <span role="alert" className="text-red-700">
              {error}
            </span>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}
