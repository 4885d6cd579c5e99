"use client";

import { useState } from "react";
import { fetchConsole } from "@/components/console/fetch-console";
import { Badge } from "@/components/ui/Badge";
import { formatDateTime } from "@/components/ui/format-time";

type Scope = { tenant: string; env: string; state: string; count: number; openedAt: string | null };
type Breaker = { threshold: number; windowSeconds: number; scopes: Scope[] };

const scopeLabel = (s: Scope) => (s.tenant === "*" ? "every tenant and environment" : `${s.tenant} / ${s.env}`);

/** The route's circuit breakers, one per tenant and environment: state, count, and the human reset per scope; the threshold/window apply to all. */
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
  const open = breaker.scopes.filter((s) => s.state === "open");
  return (
    <section aria-label="Circuit breaker" className="flex flex-wrap items-center gap-2 rounded border border-slate-200 bg-white p-3 text-sm">
      <span className="font-semibold">Circuit breakers</span>
      <Badge tone={open.length > 0 ? "red" : "green"}>{open.length > 0 ? `${open.length} open` : "all closed"}</Badge>
      {open.length > 0 ? (
        <input
          aria-label="Breaker reset reason"
          placeholder="why it is safe"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          className="rounded border border-slate-300 p-1 text-xs"
        />
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
      <ul aria-label="Breakers by scope" className="w-full space-y-1 text-xs">
        {breaker.scopes.map((s) => (
          <li key={`${s.tenant}/${s.env}`} data-testid={`breaker-${s.tenant}-${s.env}`} className="flex items-center gap-2">
            <Badge tone={s.state === "open" ? "red" : "green"}>{s.state}</Badge>
            <span>{scopeLabel(s)}</span>
            <span className="text-slate-500">
              {s.count} in window{s.openedAt ? ` · opened ${formatDateTime(s.openedAt)}` : ""}
            </span>
            {s.state === "open" ? (
              <button type="button" className="rounded bg-slate-900 px-2 py-1 text-white" onClick={() => void post({ action: "reset", tenant: s.tenant, env: s.env, reason })}>
                Reset {scopeLabel(s)}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" className="w-full text-red-700">
          {error}
        </p>
      ) : null}
    </section>
  );
}
