import type { QueueItem } from "@/lib/approvals/list-queue";
import { Badge, kindTone } from "@/components/ui/Badge";
import { Countdown } from "@/components/approvals/Countdown";
import { visibleText } from "@/components/approvals/visible-text";

/** The pending actions, oldest first; the open one is highlighted. */
export function QueueList({
  items,
  selectedId,
  onSelect,
  loading,
  clockSkewMs,
}: {
  items: QueueItem[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  loading: boolean;
  clockSkewMs: number;
}) {
  return (
    <nav aria-label="Pending actions" className="w-72 shrink-0">
      <p className="mb-1 text-xs text-slate-500" data-testid="queue-total">
        {loading ? "Loading…" : `${items.length} pending, oldest first`}
      </p>
      {!loading && items.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 bg-white px-3 py-6 text-center text-sm text-slate-600">The queue is empty.</p>
      ) : null}
      <ul className="max-h-[calc(100vh-12rem)] space-y-1 overflow-auto pr-1">
        {items.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              onClick={() => onSelect(a.id)}
              aria-current={a.id === selectedId ? "true" : undefined}
              data-testid="queue-item"
              data-action-id={a.id}
              className={`block w-full rounded-md border px-2.5 py-1.5 text-left ${
                a.id === selectedId ? "border-slate-900 bg-white shadow-sm" : "border-slate-200 bg-white/70 hover:bg-white"
              }`}
            >
              <span className="flex items-center gap-1.5">
                <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge>
                <span className="truncate font-mono text-[11px] text-slate-600">{a.tool}</span>
                <span className="ml-auto">
                  <Countdown expiresAt={a.expiresAt} clockSkewMs={clockSkewMs} />
                </span>
              </span>
              <span className="mt-0.5 block truncate text-sm text-slate-900">{visibleText(a.summary)}</span>
              <span className="mt-0.5 flex gap-2 text-[11px] text-slate-500">
                <span>
                  {a.tenantId}/{a.env}
                </span>
                <span className="font-mono">{a.route}</span>
                <span className="ml-auto tabular-nums">
                  {a.approvalsReceived} of {a.approvalsRequired}
                </span>
                {a.escalated ? <span className="text-violet-700">escalated</span> : null}
                {a.votedByMe ? <span className="text-emerald-700">you voted</span> : null}
                {a.onBehalfOfMe ? <span className="text-red-700">on your behalf</span> : null}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
