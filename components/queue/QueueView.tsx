"use client";

import { Suspense, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionFilters } from "@/lib/approvals/schemas";
import type { QueueItem } from "@/lib/approvals/list-queue";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { withClockSkew } from "@/components/console/clock-skew";
import { approvalKeys, QUEUE_FILTER_KEYS, queueRequestQuery, type QueuePageKey } from "@/components/queue/query-keys";
import { ActionFilterBar } from "@/components/queue/ActionFilterBar";
import { QueueList } from "@/components/queue/QueueList";
import { ShortcutHelp } from "@/components/queue/ShortcutHelp";
import { useRefetchOnChange } from "@/components/queue/use-console-version";
import { ApprovalCard } from "@/components/approvals/ApprovalCard";
import { DecisionBar, type DecisionHandle } from "@/components/approvals/DecisionBar";
import { ToastProvider, useToast } from "@/components/approvals/Toasts";
import { voteOutcome } from "@/components/approvals/vote-messages";

export type QueueResponse = { items: QueueItem[]; total: number; offset: number; next: string | null; prev: string | null; version: number; serverTime: string };
type DetailResponse = ActionDetail & { serverTime: string };

/** What the server page already read for the URL it was asked for: the first page and the open card, so the first render needs no round trip. */
export type QueueInitial = { query: string; page: QueueResponse; detail: DetailResponse | null } | null;

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** The reviewer's queue: filters, one page of the list (oldest first), one card, keyboard shortcuts; filters, page and card in the URL. */
export function QueueView({ options, initial = null }: { options: FilterOptions; initial?: QueueInitial }) {
  return (
    <ToastProvider>
      <Suspense fallback={<p className="text-sm text-slate-600">Loading…</p>}>
        <Queue options={options} initial={initial} />
      </Suspense>
    </ToastProvider>
  );
}

function filtersFrom(sp: URLSearchParams): ActionFilters {
  const f: Record<string, string> = {};
  for (const k of QUEUE_FILTER_KEYS) {
    const v = sp.get(k);
    if (v) f[k] = v;
  }
  return f as ActionFilters;
}

function pageFrom(sp: URLSearchParams): QueuePageKey {
  const after = sp.get("after") ?? undefined;
  const before = sp.get("before") ?? undefined;
  return sp.get("last") === "1" ? { last: true } : after ? { after } : before ? { before } : {};
}

function Queue({ options, initial }: { options: FilterOptions; initial: QueueInitial }) {
  const sp = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => filtersFrom(sp), [sp]);
  const page = useMemo(() => pageFrom(sp), [sp]);
  const urlId = sp.get("id");
  const [help, setHelp] = useState(false);
  const decision = useRef<DecisionHandle>(null);
  const toast = useToast();
  const qc = useQueryClient();

  const setParams = useCallback(
    (patch: Record<string, string | undefined>) => {
      const p = new URLSearchParams(sp);
      for (const [k, v] of Object.entries(patch)) {
        if (v) p.set(k, v);
        else p.delete(k);
      }
      const qs = p.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [sp, router, pathname],
  );
  const setFilters = useCallback(
    (f: ActionFilters) => setParams({ ...Object.fromEntries(QUEUE_FILTER_KEYS.map((k) => [k, f[k]])), after: undefined, before: undefined, last: undefined }),
    [setParams],
  );

  // One number per second tells whether anything changed; only then is the page fetched again.
  const version = useRefetchOnChange();
  const query = queueRequestQuery(filters, page);
  // The server-rendered page counts only for the URL it was read for; its clock skew is measured by the next fetch.
  const [initialAt] = useState(() => Date.now());
  const initialPage = initial && initial.query === query ? { ...initial.page, clockSkewMs: 0 } : undefined;
  const queue = useQuery({
    queryKey: approvalKeys.queue(filters, page),
    queryFn: async () => withClockSkew(await fetchConsole<QueueResponse>(`/api/console/actions?${query}`)),
    initialData: initialPage,
    initialDataUpdatedAt: initialAt,
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const items = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const selectedId = urlId ?? items[0]?.id ?? null;
  const select = useCallback((id: string | null) => setParams({ id: id ?? undefined }), [setParams]);

  const detail = useQuery({
    queryKey: approvalKeys.detail(selectedId ?? ""),
    queryFn: async () => withClockSkew(await fetchConsole<DetailResponse>(`/api/console/actions/${encodeURIComponent(selectedId!)}`)),
    enabled: !!selectedId,
    initialData: initial?.detail && initial.detail.id === selectedId ? { ...initial.detail, clockSkewMs: 0 } : undefined,
    initialDataUpdatedAt: initialAt,
    refetchInterval: 10_000,
  });
  const shown = detail.data && detail.data.id === selectedId ? detail.data : null;
  // Server clock minus ours, measured when the response arrived (see withClockSkew).
  const skew = shown?.clockSkewMs ?? queue.data?.clockSkewMs ?? 0;

  const move = useCallback(
    (step: number) => {
      if (!items.length) return;
      const i = items.findIndex((x) => x.id === selectedId);
      const to = Math.min(items.length - 1, Math.max(0, (i < 0 ? 0 : i) + step));
      select(items[to]!.id);
    },
    [items, selectedId, select],
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
  // After a decision that takes the card out of this list, open the next one.
  const advanceFrom = (id: string) => {
    const i = items.findIndex((x) => x.id === id);
    const next = items[i + 1] ?? items[i - 1] ?? null;
    select(next && next.id !== id ? next.id : null);
  };

  const d = queue.data;
  const offline = version.isError || queue.isError;
  const errorMessage = offline
    ? `Cannot reach Gatehouse (${(queue.error ?? version.error)?.message ?? "offline"}); ${d ? "showing the last loaded page, retrying" : "retrying"}.`
    : null;
  const filtered = QUEUE_FILTER_KEYS.some((k) => filters[k]);
  const cardOpen = urlId !== null;

  // False in the server's HTML and during hydration, true once the queue's handlers (keys, live updates) are attached;
  // tests wait for it before they press a key, since the first page and card are rendered on the server.
  const hydrated = useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );

  return (
    <div className="space-y-3" data-testid="queue-view" data-hydrated={hydrated ? "true" : "false"}>
      <div className={`flex-wrap items-end justify-between gap-3 ${cardOpen ? "hidden md:flex" : "flex"}`}>
        <ActionFilterBar value={filters} onChange={setFilters} options={options} />
        <button type="button" onClick={() => setHelp(true)} className="hidden text-xs text-slate-700 underline md:inline">
          Keyboard shortcuts (?)
        </button>
      </div>
      <div className="flex flex-col gap-4 pb-44 md:flex-row md:pb-0">
        <div className={cardOpen ? "hidden md:block" : "block"}>
          <QueueList
            items={items}
            selectedId={selectedId}
            onSelect={select}
            state={queue.isPending ? "loading" : queue.isError && !d ? "error" : "ready"}
            errorMessage={errorMessage}
            filtered={filtered}
            clockSkewMs={skew}
            paging={{
              total: d?.total ?? 0,
              offset: d?.offset ?? 0,
              hasPrev: !!d?.prev,
              hasNext: !!d?.next,
              onFirst: () => setParams({ after: undefined, before: undefined, last: undefined, id: undefined }),
              onPrev: () => setParams({ before: d?.prev ?? undefined, after: undefined, last: undefined, id: undefined }),
              onNext: () => setParams({ after: d?.next ?? undefined, before: undefined, last: undefined, id: undefined }),
              onLast: () => setParams({ last: "1", after: undefined, before: undefined, id: undefined }),
            }}
          />
        </div>
        <div className={`min-w-0 flex-1 ${cardOpen ? "block" : "hidden md:block"}`}>
          {cardOpen ? (
            <button type="button" onClick={() => select(null)} className="mb-2 text-sm text-slate-800 underline md:hidden" data-testid="back-to-list">
              ← All pending ({(d?.total ?? 0).toLocaleString("en-US")})
            </button>
          ) : null}
          {shown ? (
            <ApprovalCard
              key={shown.id}
              detail={shown}
              clockSkewMs={skew}
              pageLink
              decision={
                shown.status === "pending" ? (
                  <DecisionBar
                    key={shown.id}
                    ref={decision}
                    detail={shown}
                    onDecided={(vote, r) => {
                      const o = voteOutcome(vote, r, shown.gateway);
                      toast(o.tone, o.text);
                      if (r.transitioned || filters.mine) advanceFrom(shown.id);
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
          ) : detail.isError ? (
            <p role="alert" className="rounded bg-amber-50 px-3 py-2 text-sm text-amber-950">
              This action could not be loaded: {detail.error.message}
            </p>
          ) : selectedId ? (
            <p className="text-sm text-slate-600">Loading…</p>
          ) : null}
        </div>
      </div>
      {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
    </div>
  );
}

const noSubscribe = () => () => {};
