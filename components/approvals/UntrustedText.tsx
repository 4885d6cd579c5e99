import type { ReactNode } from "react";
import type { SummarySegment } from "@/lib/catalog/render-summary";
import { visibleText } from "@/components/approvals/visible-text";

/**
 * A fence around anything the agent wrote (`data-agent-supplied`: the e2e DOM
 * check finds no agent text outside one). Rendered as React text only (never
 * HTML), pre-wrap, with invisible characters made visible.
 */
export function UntrustedFence({ label, children, testId, source = "agent" }: { label: string; children: ReactNode; testId?: string; source?: "agent" | "tool-service" }) {
  return (
    <figure className="min-w-0 rounded border border-dashed border-amber-500 bg-amber-50/40" data-testid={testId} data-agent-supplied={source}>
      <figcaption className="flex flex-wrap items-center gap-x-2 border-b border-dashed border-amber-300 px-2 py-0.5 text-[11px] font-medium text-amber-900">
        <span aria-hidden="true">⚠</span>
        <span>{label}</span>
        <span className="font-normal">{source === "agent" ? "· untrusted — written by the agent" : "· from the tool service, not checked by Gatehouse"}</span>
      </figcaption>
      <div className="min-w-0 px-2 py-1.5">{children}</div>
    </figure>
  );
}

/** Agent text as an inert, visible-characters text node. */
export function UntrustedText({ text, className = "" }: { text: string; className?: string }) {
  return <p className={`whitespace-pre-wrap break-words font-mono text-xs text-slate-800 [overflow-wrap:anywhere] ${className}`}>{visibleText(text)}</p>;
}

/**
 * One agent-supplied value inside Gatehouse's own sentence (the headline, a
 * list row): an inline fence — dashed amber outline and corner marks — with the
 * invisible characters shown. The marks are decoration; the title and the
 * screen-reader text say what it is.
 */
export function AgentValue({ text, className = "" }: { text: string; className?: string }) {
  return (
    <span
      data-agent-supplied="agent"
      title="Written by the agent (untrusted)"
      className={`rounded-sm bg-amber-50 px-0.5 font-normal text-slate-900 outline-1 outline-offset-0 outline-amber-500 outline-dashed [overflow-wrap:anywhere] ${className}`}
    >
      <span className="sr-only">agent wrote: </span>
      <span aria-hidden="true" className="select-none text-amber-700">
        ‹
      </span>
      {visibleText(text)}
      <span aria-hidden="true" className="select-none text-amber-700">
        ›
      </span>
    </span>
  );
}

/** A headline: the template's words as they are, each filled-in value fenced. */
export function Headline({ segments }: { segments: readonly SummarySegment[] }) {
  return <>{segments.map((s, i) => (s.agent ? <AgentValue key={i} text={s.text} /> : <span key={i}>{s.text}</span>))}</>;
}
