import Link from "next/link";
import type { AuditView } from "@/lib/audit/query";

/** Every field of one audit event, including its place in the hash chain. */
export function AuditEventDetail({ event }: { event: AuditView }) {
  const entries = Object.entries(event).filter(([k]) => k !== "data");
  const linkFor = (k: string, v: unknown): string | null => {
    if (typeof v !== "string" || !v) return null;
    if (k === "action_id") return `/audit?action_id=${encodeURIComponent(v)}`;
    if (k === "request_id") return `/audit?request_id=${encodeURIComponent(v)}`;
    if (k === "break_glass_session_id") return `/break-glass/review/${encodeURIComponent(v)}`;
    return null;
  };
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-[12rem_1fr] gap-y-1 rounded-md border border-slate-200 bg-white p-4 text-sm" aria-label="Audit event">
        {entries.map(([k, v]) => {
          const href = linkFor(k, v);
          const text = v === null || (Array.isArray(v) && v.length === 0) ? "–" : Array.isArray(v) ? v.join(", ") : String(v);
          return (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="break-all font-mono text-xs">
                {href ? (
                  <Link className="text-sky-700 underline" href={href}>
                    {text}
                  </Link>
                ) : (
                  text
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      <div>
        <h2 className="mb-1 text-sm font-semibold">data</h2>
        <pre className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 p-3 text-xs">{JSON.stringify(event.data, null, 2)}</pre>
      </div>
    </div>
  );
}
