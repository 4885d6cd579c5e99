"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionFilters } from "@/lib/approvals/schemas";
import type { QueueItem } from "@/lib/approvals/list-queue";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { withClockSkew } from "@/components/console/clock-skew";
import { approvalKeys, filterQuery } from "@/components/queue/query-keys";
import { ActionFilterBar } from "@/components/queue/ActionFilterBar";
import { QueueList } from "@/components/queue/QueueList";
import { ShortcutHelp } from "@/components/queue/ShortcutHelp";
import { ApprovalCard } from "@/components/approvals/ApprovalCard";
import { DecisionBar, type DecisionHandle } from "@/components/approvals/DecisionBar";
import { ToastProvider, useToast } from "@/components/approvals/Toasts";

type QueueResponse = { items: QueueItem[]; serverTime: string };
type DetailResponse = ActionDetail & { serverTime: string };

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** The reviewer's queue: filters, the list (oldest first), one card, keyboard shortcuts. */
export function QueueView({ options }: { options: FilterOptions }) {
  return (
    <ToastProvider>
      <Queue options={options} />
    </ToastProvider>
  );
}

function Queue({ options }: { options: FilterOptions }) {
  const [filters, setFilters] = useState<ActionFilters>({});
  // The open item and where it sits in the list; when it leaves the list (decided, expired),
  // the item now at that place (the next one) opens instead.
  const [selection, setSelection] = useState<{ id: string | null; index: number }>({ id: null, index: 0 });
  const [help, setHelp] = useState(false);
  const decision = useRef<DecisionHandle>(null);
  const toast = useToast();
  const qc = useQueryClient();

  // Polling every second: a new proposal shows up well inside two seconds.
  const queue = useQuery({
    queryKey: approvalKeys.queue(filters),
    queryFn: async () => withClockSkew(await fetchConsole<QueueResponse>(`/api/console/actions?${filterQuery(filters, { view: "queue" })}`)),
    refetchInterval: 1_000,
  });
  const items = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const found = items.findIndex((i) => i.id === selection.id);
  const index = found >= 0 ? found : Math.min(selection.index, items.length - 1);
  const current = items[index] ?? null;
  // Pin the item actually shown (and follow its place as the list shifts), so a later refetch
  // does not swap the card under the reviewer. Updating state from the previous render, not an
  // effect: https://react.dev/reference/react/useState#storing-information-from-previous-renders
  if (current && (current.id !== selection.id || index !== selection.index)) setSelection({ id: current.id, index });
  const select = useCallback(
    (id: string) =>
      setSelection({
        id,
        index: Math.max(
          0,
          items.findIndex((i) => i.id === id),
        ),
      }),
    [items],
  );

  const detail = useQuery({
    queryKey: approvalKeys.detail(current?.id ?? ""),
    queryFn: async () => withClockSkew(await fetchConsole<DetailResponse>(`/api/console/actions/${encodeURIComponent(current!.id)}`)),
    enabled: !!current,
    refetchInterval: 2_000,
  });
  const shown = detail.data && detail.data.id === current?.id ? detail.data : null;
  // Server clock minus ours, measured when the response arrived (see withClockSkew).
  const skew = shown?.clockSkewMs ?? 0;

  const move = useCallback(
    (step: number) => {
      if (!items.length) return;
      const i = Math.max(
        0,
        items.findIndex((x) => x.id === current?.id),
      );
      const to = Math.min(items.length - 1, Math.max(0, i + step));
      setSelection({ id: items[to]!.id, index: to });
    },
    [items, current],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "Escape") return setHelp(false);
      if (isTyping(e.target)) return;
      if (e.key === "?") {
        e.preventDefault();
        setHelp((h) => !h);
      } else if (help) {
        return;
      } else if (e.key === "j") move(1);
      else if (e.key === "k") move(-1);
      else if (e.key === "a") {
        e.preventDefault();
        decision.current?.approve();
      } else if (e.key === "r") {
        e.preventDefault();
        decision.current?.startReject();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, help]);

  const refresh = () => void qc.invalidateQueries({ queryKey: approvalKeys.all });

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <ActionFilterBar value={filters} onChange={setFilters} options={options} />
        <button type="button" onClick={() => setHelp(true)} className="text-xs text-slate-600 underline">
          Keyboard shortcuts (?)
        </button>
      </div>
      {queue.error ? (
        <p role="alert" className="rounded bg-amber-50 px-3 py-2 text-sm text-amber-900">
          The queue could not be loaded: {queue.error.message}
        </p>
      ) : null}
      <div className="flex gap-4">
        <QueueList items={items} selectedId={current?.id ?? null} onSelect={select} loading={queue.isPending} clockSkewMs={skew} />
        <div className="min-w-0 flex-1">
          {shown ? (
            <ApprovalCard
              key={shown.id}
              detail={shown}
              clockSkewMs={skew}
              decision={
                <DecisionBar
                  key={shown.id}
                  ref={decision}
                  detail={shown}
                  onDecided={(vote, r) => {
                    toast(
                      "ok",
                      vote === "reject"
                        ? "Rejected — the agent receives your reason."
                        : r.status === "approved"
                          ? "Approved — the agent can now get its token."
                          : `Approval recorded (${r.approvalsReceived} of ${r.approvalsRequired}); a second reviewer must approve.`,
                    );
                    refresh();
                  }}
                  onRefused={(m) => {
                    toast("error", m);
                    refresh();
                  }}
                  onExtended={() => {
                    toast("ok", "Time extended once.");
                    refresh();
                  }}
                />
              }
            />
          ) : current ? (
            <p className="text-sm text-slate-500">Loading…</p>
          ) : null}
        </div>
      </div>
      {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
    </div>
  );
}
