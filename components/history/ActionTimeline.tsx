import Link from "next/link";
import type { Timeline, TimelineEntry } from "@/lib/approvals/build-timeline";
import { Badge, statusTone } from "@/components/ui/Badge";
import { formatDateTime } from "@/components/ui/format-time";

const LABELS: Record<string, string> = {
  "action.decided": "Proposed",
  "approval.recorded": "Vote",
  "approval.refused": "Vote refused",
  "approval.voided": "Vote no longer counts",
  "action.approved": "Approved",
  "action.rejected": "Rejected",
  "action.expired": "Expired",
  "action.cancelled": "Cancelled",
  "action.denied": "Denied",
  "action.escalated": "Escalated",
  "action.ttl_extended": "Time extended",
  "token.minted": "Token minted",
  "token.redeemed": "Token redeemed",
  "action.result": "Result reported",
};

/** The action's life as the audit log recorded it, in chain order; a long one says what it leaves out, and where to find it. */
export function ActionTimeline({ actionId, entries, omitted }: { actionId: string; entries: TimelineEntry[]; omitted: Timeline["omitted"] }) {
  if (!entries.length) return <p className="text-sm text-slate-600">No audit events for this action.</p>;
  return (
    <ol className="relative space-y-2 border-l border-slate-200 pl-4" aria-label="Timeline" data-testid="timeline">
      {entries.flatMap((e) => [
        <li key={e.seq} className="text-sm" data-testid="timeline-entry" data-type={e.type}>
          <span className="absolute -left-1 mt-1.5 h-2 w-2 rounded-full bg-slate-400" aria-hidden="true" />
          <span className="font-medium text-slate-900">{LABELS[e.type] ?? e.type}</span> {e.status ? <Badge tone={statusTone(e.status)}>{e.status}</Badge> : null}{" "}
          <span className="text-slate-600">
            by{" "}
            <span title={e.actorId ?? undefined} data-testid="timeline-actor">
              {e.actor}
            </span>
          </span>
          {e.reason ? <span className="text-slate-600"> · {e.reason}</span> : null}
          {e.jti ? <span className="font-mono text-xs text-slate-600"> · jti {e.jti}</span> : null}
          {e.durationMs !== null ? <span className="text-slate-600"> · {e.durationMs} ms</span> : null}
          {e.breakGlassSessionId ? <span className="text-red-700"> · break-glass {e.breakGlassSessionId}</span> : null}
          <span className="block text-xs text-slate-600">
            #{e.seq} · {formatDateTime(e.at)} · <span className="font-mono">{e.type}</span>
          </span>
        </li>,
        omitted && e.seq === omitted.afterSeq ? (
          <li key="omitted" className="rounded border border-amber-200 bg-amber-50 px-2 py-1 text-sm text-amber-900" data-testid="timeline-omitted">
            {omitted.count.toLocaleString("en-US")} more events here are not shown.{" "}
            <Link href={`/audit?action_id=${encodeURIComponent(actionId)}`} className="font-medium underline">
              See every event of this action in the audit log
            </Link>
          </li>
        ) : null,
      ])}
    </ol>
  );
}
