"use client";

import { useEffect, useState } from "react";

/** Seconds until `expiresAt` as m:ss (h:mm:ss over an hour); red under a minute. Ticks every second. */
export function Countdown({ expiresAt, clockSkewMs = 0 }: { expiresAt: string | null; clockSkewMs?: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  if (!expiresAt) return <span className="text-xs text-slate-500">no expiry</span>;
  const left = Math.max(0, Math.floor((new Date(expiresAt).getTime() - (now + clockSkewMs)) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = String(left % 60).padStart(2, "0");
  const text = left === 0 ? "expired" : h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  return (
    <span
      className={`whitespace-nowrap font-mono text-xs tabular-nums ${left < 60 ? "font-semibold text-red-700" : "text-slate-600"}`}
      title={`Expires ${new Date(expiresAt).toLocaleString()}`}
      data-testid="countdown"
    >
      {left === 0 ? (
        text
      ) : (
        <>
          <span className="sr-only">expires in </span>
          {text}
        </>
      )}
    </span>
  );
}
