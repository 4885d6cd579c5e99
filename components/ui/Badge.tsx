import type { ReactNode } from "react";

const tones = {
  slate: "bg-slate-100 text-slate-700 ring-slate-200",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  red: "bg-red-50 text-red-700 ring-red-200",
  blue: "bg-sky-50 text-sky-700 ring-sky-200",
  violet: "bg-violet-50 text-violet-700 ring-violet-200",
} as const;

export type BadgeTone = keyof typeof tones;

/** A small label; the tone carries meaning (red = destructive / irreversible). */
export function Badge({ tone = "slate", children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>{children}</span>;
}

/** Tone for a tool kind. */
export function kindTone(kind: string): BadgeTone {
  return kind === "destructive" ? "red" : kind === "write" ? "amber" : "slate";
}

/** Tone for an action status. */
export function statusTone(status: string): BadgeTone {
  if (status === "pending") return "amber";
  if (status === "allowed" || status === "approved") return "green";
  if (status === "denied" || status === "rejected") return "red";
  return "slate";
}
