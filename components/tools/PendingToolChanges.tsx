"use client";

import type { PendingToolChange } from "@/lib/catalog/save-tool";
import { Badge, kindTone } from "@/components/ui/Badge";
import { DecideButtons } from "@/components/ui/DecideButtons";
import { formatDateTime } from "@/components/ui/format-time";

/**
 * Catalog widenings waiting for a second admin. The requester sees only
 * "Withdraw"; the server refuses their approve anyway (author_cannot_approve).
 */
export function PendingToolChanges({
  pending,
  selfId,
  onDecide,
}: {
  pending: PendingToolChange[];
  selfId: string;
  onDecide: (seq: number, decision: "approve" | "reject") => void;
}) {
  return (
    <section aria-label="Pending tool changes" className="space-y-2 rounded-md border border-amber-200 bg-amber-50/40 p-4">
      <h2 className="text-sm font-semibold">Pending tool changes</h2>
      {pending.length === 0 ? <p className="text-sm text-slate-500">Nothing waits for a second admin.</p> : null}
      <ul className="divide-y divide-amber-100">
        {pending.map((p) => {
          const own = p.requestedBy === selfId;
          return (
            <li key={p.requestSeq} data-testid={`tool-change-${p.requestSeq}`} className="flex flex-wrap items-start gap-3 py-2 text-sm">
              <div className="min-w-0 flex-1">
                <div className="flex items-center gap-2">
                  <span className="font-mono text-xs">{p.tool}</span>
                  <span className="text-xs text-slate-500">→</span>
                  <Badge tone={kindTone(p.entry.kind)}>{p.entry.kind}</Badge>
                  <span className="text-xs text-slate-500">
                    requested by {p.requestedByEmail ?? "a deleted user"} · {formatDateTime(p.at)} · audit #{p.requestSeq}
                  </span>
                </div>
                <ul className="mt-1 text-xs text-slate-700">
                  {p.widening.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </div>
              {own ? (
                <span className="flex items-center gap-3 text-xs">
                  <span className="text-slate-500">Your request: a second admin must approve it.</span>
                  <button type="button" className="text-red-700 hover:underline" aria-label={`Withdraw change to ${p.tool}`} onClick={() => onDecide(p.requestSeq, "reject")}>
                    Withdraw
                  </button>
                </span>
              ) : (
                <DecideButtons subject={`change to ${p.tool}`} onDecide={(d) => onDecide(p.requestSeq, d)} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
