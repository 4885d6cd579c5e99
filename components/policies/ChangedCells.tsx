"use client";

import type { CellChange } from "@/lib/policy/semantic-diff";
import { Badge } from "@/components/ui/Badge";

const WORD = { widens: "Widens", narrows: "Narrows", neutral: "Neutral" } as const;
const TONE = { widens: "amber", narrows: "green", neutral: "slate" } as const;

/** The changed cells of a semantic diff, one line each ("ticket.close: pending(1) → denied"); the words come from the matrix only. */
export function ChangedCells({ changes, label = "Changed cells" }: { changes: CellChange[]; label?: string }) {
  if (changes.length === 0) return <p className="text-sm text-slate-600">No change in what the engine decides.</p>;
  return (
    <ul aria-label={label} className="space-y-0.5 text-sm">
      {changes.map((c) => (
        <li key={c.key} className="flex items-center gap-2" data-effect={c.effect}>
          <Badge tone={TONE[c.effect]}>{WORD[c.effect]}</Badge>
          <span className="font-mono text-xs">{c.text}</span>
        </li>
      ))}
    </ul>
  );
}
