import type { QueueItem } from "@/lib/approvals/list-queue";
import { PageButton } from "@/components/ui/PageButton";
import { Badge, kindTone } from "@/components/ui/Badge";
import { Countdown } from "@/components/approvals/Countdown";
import { Headline } from "@/components/approvals/UntrustedText";
import { StateNotices } from "@/components/approvals/StateNotices";

const n = (x: number) => x.toLocaleString("en-US");

export type QueuePaging = { total: number; offset: number; hasPrev: boolean; hasNext: boolean; onFirst: () => void; onPrev: () => void; onNext: () => void; onLast: () => void };

/** One page of pending actions, oldest first, with the true total and page controls; the open one is highlighted. */
export function QueueList({
  items,
  selectedId,
  onSelect,
  state,
  errorMessage,
  filtered,
  paging,
  clockSkewMs,
}: {
  items: QueueItem[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  state: "loading" | "error" | "ready";
  errorMessage: string | null;
  filtered: boolean;
  paging: QueuePaging;
  clockSkewMs: number;
}) {
  const from = paging.total === 0 ? 0 : paging.offset + 1;
  const to = paging.offset + items.length;
  return (
    <nav aria-label="Pending actions" className="min-w-0 md:w-80 md:shrink-0">
      <div className="mb-1 flex flex-wrap items-center gap-1.5">
        <p className="w-full text-xs text-slate-700" data-testid="queue-total" aria-live="polite">
          {state === "loading" && !items.length ? "Loading…" : `${n(from)}–${n(to)} of ${n(paging.total)} pending, oldest first`}
        </p>
        <PageButton label="First" onClick={paging.onFirst} disabled={!paging.hasPrev} />
        <PageButton label="Previous" onClick={paging.onPrev} disabled={!paging.hasPrev} />
        <PageButton label="Next" onClick={paging.onNext} disabled={!paging.hasNext} />
        <PageButton label="Last" onClick={paging.onLast} disabled={!paging.hasNext} />
      </div>
      {errorMessage ? (
        <p role="alert" className="mb-1 rounded bg-amber-50 px-2 py-1.5 text-xs text-amber-950 ring-1 ring-amber-300" data-testid="queue-error">
          {errorMessage}
        </p>
      ) : null}
      {state === "loading" && !items.length ? (
        <ul aria-hidden="true" className="space-y-1">
          {[0, 1, 2, 3].map((i) => (
            <li key={i} className="h-16 animate-pulse rounded-md border border-slate-200 bg-white/70" />
          ))}
        </ul>
      ) : null}
      {state === "ready" && items.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 bg-white px-3 py-6 text-center text-sm text-slate-700" data-testid="queue-empty">
          {filtered ? "No pending action matches these filters." : "The queue is empty."}
        </p>
      ) : null}
      <ul className="space-y-1 md:max-h-[calc(100vh-13rem)] md:overflow-auto md:pr-1">
        {items.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              onClick={() => onSelect(a.id)}
              aria-current={a.id === selectedId ? "true" : undefined}
              data-testid="queue-item"
              data-action-id={a.id}
              className={`block w-full min-w-0 rounded-md border px-2.5 py-1.5 text-left ${
                a.id === selectedId ? "border-slate-900 bg-white shadow-sm" : "border-slate-200 bg-white/70 hover:bg-white"
              }`}
            >
              <span className="flex items-center gap-1.5">
                <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge>
                <span className="truncate font-mono text-[11px] text-slate-700">{a.tool}</span>
                <span className="ml-auto">
                  <Countdown expiresAt={a.expiresAt} clockSkewMs={clockSkewMs} compact />
                </span>
              </span>
              <span className="mt-0.5 line-clamp-2 block text-sm text-slate-900 [overflow-wrap:anywhere]">
                <Headline segments={a.headline} />
              </span>
              <StateNotices notices={a.state} compact />
              <span className="mt-0.5 flex flex-wrap gap-x-2 text-[11px] text-slate-700">
                <span>
                  {a.tenantId}/{a.env}
                </span>
                <span className="font-mono">{a.route}</span>
                <span className="ml-auto tabular-nums">
                  {a.approvalsReceived} of {a.approvalsRequired}
                </span>
                {a.escalated ? <span className="text-violet-800">escalated</span> : null}
                {a.votedByMe ? <span className="text-emerald-800">you voted</span> : null}
                {a.onBehalfOfMe ? <span className="text-red-800">on your behalf</span> : null}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
