import type { ReactNode } from "react";
import { visibleText } from "@/components/approvals/visible-text";

/**
 * A fence around anything the agent wrote. Rendered as React text only
 * (never HTML), pre-wrap, with invisible characters made visible.
 */
export function UntrustedFence({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <figure className="rounded border border-dashed border-amber-400 bg-amber-50/40" data-testid={testId}>
      <figcaption className="flex items-center gap-2 border-b border-dashed border-amber-300 px-2 py-0.5 text-[11px] font-medium text-amber-900">
        <span aria-hidden="true">⚠</span>
        <span>{label}</span>
        <span className="font-normal">· untrusted — written by the agent</span>
      </figcaption>
      <div className="px-2 py-1.5">{children}</div>
    </figure>
  );
}

/** Agent text as an inert, visible-characters text node. */
export function UntrustedText({ text, className = "" }: { text: string; className?: string }) {
  return <p className={`whitespace-pre-wrap break-words font-mono text-xs text-slate-800 ${className}`}>{visibleText(text)}</p>;
}
