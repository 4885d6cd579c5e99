"use client";

import { useEffect, useRef } from "react";

const SHORTCUTS: [string, string][] = [
  ["j", "next action"],
  ["k", "previous action"],
  ["a", "approve the open card"],
  ["r", "reject (type the reason, then Ctrl/⌘+Enter)"],
  ["?", "show or hide this help"],
  ["Esc", "close"],
];

/** The keyboard help overlay (opened with "?"). */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40" onClick={onClose}>
      <div role="dialog" aria-modal="true" aria-labelledby="shortcut-help-title" className="w-80 rounded-lg bg-white p-4 shadow-xl" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcut-help-title" className="mb-2 text-sm font-semibold text-slate-900">
          Keyboard shortcuts
        </h2>
        <dl className="space-y-1 text-sm">
          {SHORTCUTS.map(([key, what]) => (
            <div key={key} className="flex gap-3">
              <dt className="w-10">
                <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 font-mono text-xs">{key}</kbd>
              </dt>
              <dd className="text-slate-700">{what}</dd>
            </div>
          ))}
        </dl>
        <button ref={closeRef} type="button" onClick={onClose} className="mt-3 rounded bg-slate-900 px-3 py-1 text-sm text-white">
          Close
        </button>
      </div>
    </div>
  );
}
