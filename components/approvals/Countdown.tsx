"use client";

import { useEffect, useState } from "react";
import { formatCountdown, formatDateTime } from "@/components/ui/format-time";

/**
 * "Expires in m:ss" (h:mm:ss over an hour); compact (the queue list) "m:ss left",
 * so a bare "13:29" is never read as a clock time. Red under a minute. Ticks every
 * second. The first render (server and hydration) shows no number, so the two
 * agree; the clock starts after mount.
 */
export function Countdown({ expiresAt, clockSkewMs = 0, compact = false }: { expiresAt: string | null; clockSkewMs?: number; compact?: boolean }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tick();
    const t = setInterval(tick, 1_000);
    return () => clearInterval(t);
  }, []);
  if (!expiresAt) return <span className="text-xs text-slate-600">no expiry</span>;
  const left = now === null ? null : Math.max(0, Math.floor((new Date(expiresAt).getTime() - (now + clockSkewMs)) / 1000));
  return (
    <span
      className={`whitespace-nowrap text-xs tabular-nums ${left !== null && left < 60 ? "font-semibold text-red-700" : "text-slate-700"}`}
      title={`Expires ${formatDateTime(expiresAt)}`}
      data-testid="countdown"
    >
      {left === 0 ? (
        "expired"
      ) : (
        <>
          {compact ? null : "Expires in "}
          <span className="font-mono">{left === null ? "–:––" : formatCountdown(left)}</span>
          {compact ? " left" : null}
        </>
      )}
    </span>
  );
}
