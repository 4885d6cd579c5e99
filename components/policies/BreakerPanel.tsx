"use client";

import { useState } from "react";
import { fetchConsole } from "@/components/console/fetch-console";
import { Badge } from "@/components/ui/Badge";

type Breaker = { state: string; count: number; threshold: number; windowSeconds: number; openedAt: string | null };

/** The route's circuit breaker: state, threshold/window, and the human reset. */
export function BreakerPanel({ route, breaker, onChange }: { route: string; breaker: Breaker; onChange: () => void }) {
  const [reason, setReason] = useState("");
  const [threshold, setThreshold] = useState(breaker.threshold);
  const [windowSeconds, setWindowSeconds] = useState(breaker.windowSeconds);
  const [error, setError] = useState<string | null>(null);
  const post = async (body: Record<string, unknown>) => {
    setError(null);
    try {
      await fetchConsole("/api/console/routes/breaker", { method: "POST", body: JSON.stringify({ route, ...body }) });
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-label="Circuit breaker" className="flex flex-wrap items-center gap-2 rounded border border-slate-200 bg-white p-3 text-sm">
      <span className="font-semibold">Circuit breaker</span>
      <Badge tone={breaker.state === "open" ? "red" : "green"}>{breaker.state}</Badge>
      <span className="text-xs text-slate-500">
        {breaker.count} in window{breaker.openedAt ? ` · opened ${new Date(breaker.openedAt).toLocaleString()}` : ""}
      </span>
      {breaker.state === "open" ? (
        <>
          <input
            aria-label="Breaker reset reason"
            placeholder="why it is safe"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            className="rounded border border-slate-300 p-1 text-xs"
          />
          <button type="button" className="rounded bg-slate-900 px-2 py-1 text-xs text-white" onClick={() => void post({ action: "reset", reason })}>
            Reset breaker
          </button>
        </>
      ) : null}
      <span className="ml-auto flex items-center gap-1 text-xs">
        Opens after
        <input
          aria-label="Breaker threshold"
          type="number"
          min={1}
          value={threshold}
          onChange={(e) => setThreshold(Number(e.target.value))}
          className="w-16 rounded border border-slate-300 p-1"
        />
        denials/failures within
        <input
          aria-label="Breaker window seconds"
          type="number"
          min={1}
          value={windowSeconds}
          onChange={(e) => setWindowSeconds(Number(e.target.value))}
          className="w-16 rounded border border-slate-300 p-1"
        />
        s
        <button type="button" className="rounded border border-slate-300 px-2 py-1" onClick={() => void post({ action: "configure", threshold, windowSeconds })}>
          Save
        </button>
      </span>
      {error ? (
        <p role="alert" className="w-full text-red-700">
          {error}
        </p>
      ) : null}
    </section>
  );
}
