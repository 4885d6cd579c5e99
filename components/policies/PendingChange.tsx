"use client";

import { useQuery } from "@tanstack/react-query";
import type { PolicyVersionRow } from "@/lib/routes/get-route-detail";
import type { PolicyChangeReview } from "@/lib/policy-changes/review-policy-change";
import { fetchConsole } from "@/components/console/fetch-console";
import { Badge } from "@/components/ui/Badge";
import { adminKeys } from "@/components/policies/admin-keys";
import { ChangedCells } from "@/components/policies/ChangedCells";
import { PolicyDiff } from "@/components/policies/PolicyDiff";

/**
 * One pending change as the second admin reviews it: the changed cells against
 * the version active now, whether it is stale (and what approving would undo),
 * the route's policy tests and a dry-run against recent decisions — then the
 * raw JSON diff. Approve is offered only when it is not stale and not yours.
 */
export function PendingChange({
  route,
  v,
  active,
  me,
  onDecide,
}: {
  route: string;
  v: PolicyVersionRow;
  active: unknown;
  me: string;
  onDecide: (id: string, verb: "approve" | "reject" | "rebase") => void;
}) {
  const review = useQuery({ queryKey: adminKeys.change(route, v.id), queryFn: () => fetchConsole<PolicyChangeReview>(`/api/console/policies/changes/${v.id}`) });
  const r = review.data;
  const mine = v.authorId === me;
  return (
    <div data-testid={`pending-v${v.version}`} className="space-y-2 rounded border border-amber-300 bg-amber-50 p-3 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="amber">v{v.version} pending</Badge>
        <span>by {v.author ?? "?"}</span>
        {v.baseVersion ? <span className="text-xs text-slate-600">made against v{v.baseVersion}</span> : null}
        <span className="text-slate-600">“{v.reason}”</span>
        <span className="ml-auto flex gap-2">
          {mine ? (
            <span className="text-xs text-slate-600">Your change: a second admin must approve it.</span>
          ) : r && !r.stale ? (
            <button type="button" className="rounded bg-emerald-700 px-2 py-1 text-xs text-white" onClick={() => onDecide(v.id, "approve")}>
              Approve v{v.version}
            </button>
          ) : null}
          {mine && r?.stale ? (
            <button type="button" className="rounded bg-slate-900 px-2 py-1 text-xs text-white" onClick={() => onDecide(v.id, "rebase")}>
              Rebase v{v.version} onto v{r.activeVersion}
            </button>
          ) : null}
          <button type="button" className="rounded border border-slate-300 bg-white px-2 py-1 text-xs" onClick={() => onDecide(v.id, "reject")}>
            {mine ? "Withdraw" : "Reject"} v{v.version}
          </button>
        </span>
      </div>
      {review.isLoading ? <p className="text-xs text-slate-500">Loading the review…</p> : null}
      {review.error ? <p role="alert">{(review.error as Error).message}</p> : null}
      {r ? (
        <>
          {r.stale ? (
            <div role="alert" className="rounded border border-red-300 bg-red-50 p-2">
              <p className="font-medium">
                Made against v{r.baseVersion ?? "?"}, but v{r.activeVersion} is active now: it cannot be approved until its author rebases it.
              </p>
              {r.lost.length ? <ChangedCells label="Cells approving would undo" changes={r.lost} /> : null}
            </div>
          ) : null}
          <section aria-label={`Review of v${v.version}`} className="space-y-2">
            <h3 className="text-xs font-semibold uppercase text-slate-600">Changed cells against v{r.activeVersion}</h3>
            <ChangedCells changes={r.comparison.changes} />
            <h3 className="text-xs font-semibold uppercase text-slate-600">Policy tests</h3>
            <ul aria-label={`Policy tests of v${v.version}`} className="list-disc pl-5">
              {r.expectations.length === 0 ? <li>This route has no policy tests.</li> : null}
              {r.expectations.map((e) => (
                <li key={e.message} className={e.ok ? "text-slate-700" : "text-red-700"}>
                  {e.message}
                </li>
              ))}
            </ul>
            <h3 className="text-xs font-semibold uppercase text-slate-600">Dry-run</h3>
            <p data-testid={`pending-dry-run-v${v.version}`}>
              {r.dryRun.changed} of {r.dryRun.considered} recent decisions would change ({r.dryRun.unchanged} unchanged, {r.dryRun.skipped} skipped)
              {r.dryRun.transitions.length ? ": " + r.dryRun.transitions.map((t) => `${t.from} → ${t.to}: ${t.count}`).join(", ") : "."}
            </p>
          </section>
        </>
      ) : null}
      {active && v.policy ? (
        <details>
          <summary className="cursor-pointer text-xs text-slate-600">JSON diff against the active version</summary>
          <PolicyDiff before={active} after={v.policy} />
        </details>
      ) : null}
    </div>
  );
}
