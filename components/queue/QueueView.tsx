"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionFilters } from "@/lib/approvals/schemas";
import type { QueueItem } from "@/lib/approvals/list-queue";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { fetchConsole } from "@/components/console/fetch-console";
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
  const [selected, setSelected] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const shownAt = useRef(new Map<string, number>());
  const decision = useRef<DecisionHandle>(null);
  const toast = useToast();
  const qc = useQueryClient();

  // Polling every second: a new proposal shows up well inside two seconds.
  const queue = useQuery({
    queryKey: approvalKeys.queue(filters),
    queryFn: () => fetchConsole<QueueResponse>(`/api/console/actions?${filterQuery(filters, { view: "queue" })}`),
    refetchInterval: 1_000,
  });
  const items = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const lastIndex = useRef(0);
  const current = items.find((i) => i.id === selected) ?? items[Math.min(lastIndex.current, items.length - 1)] ?? null;
  useEffect(() => {
    if (!current) return;
    lastIndex.current = items.findIndex((i) => i.id === current.id);
    if (current.id !== selected) setSelected(current.id);
  }, [current, items, selected]);

  const detail = useQuery({
    queryKey: approvalKeys.detail(current?.id ?? ""),
    queryFn: () => fetchConsole<DetailResponse>(`/api/console/actions/${encodeURIComponent(current!.id)}`),
    enabled: !!current,
    refetchInterval: 2_000,
  });
  const shown = detail.data && detail.data.id === current?.id ? detail.data : null;
  if (shown && !shownAt.current.has(shown.id)) shownAt.current.set(shown.id, performance.now());
  const skew = shown ? new Date(shown.serverTime).getTime() - Date.now() : 0;

  const move = useCallback(
    (step: number) => {
      if (!items.length) return;
      const i = Math.max(0, items.findIndex((x) => x.id === current?.id));
      const next = items[Math.min(items.length - 1, Math.max(0, i + step))];
      if (next) setSelected(next.id);
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
        <QueueList items={items} selectedId={current?.id ?? null} onSelect={setSelected} loading={queue.isPending} clockSkewMs={skew} />
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
                  shownAt={shownAt.current.get(shown.id) ?? performance.now()}
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
