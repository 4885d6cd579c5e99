"use client";

import { diffLines } from "diff";

/** A line diff of two policies as pretty JSON: removed lines red, added green. */
export function PolicyDiff({ before, after }: { before: unknown; after: unknown }) {
  const parts = diffLines(JSON.stringify(before, null, 2) + "\n", JSON.stringify(after, null, 2) + "\n");
  return (
    <pre tabIndex={0} aria-label="Diff against the active version" className="max-h-80 overflow-auto rounded border border-slate-200 bg-white p-2 text-xs leading-5">
      {parts.map((p, i) => (
        <span key={i} className={p.added ? "block bg-emerald-50 text-emerald-800" : p.removed ? "block bg-red-50 text-red-800 line-through" : "block text-slate-500"}>
          {p.value
            .replace(/\n$/, "")
            .split("\n")
            .map((l) => `${p.added ? "+ " : p.removed ? "- " : "  "}${l}`)
            .join("\n")}
        </span>
      ))}
    </pre>
  );
}
