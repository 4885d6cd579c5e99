"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { TOOL_KINDS, type ToolKind } from "@/lib/policy/types";
import type { FieldIssue } from "@/components/tools/send-tool-change";
import type { ToolDraft } from "@/components/tools/tool-draft";
import { DisplaySpecEditor } from "@/components/tools/DisplaySpecEditor";

const input = "w-full rounded border border-slate-300 p-1 text-sm";

/** A labelled input; the hint sits outside the label so the input's accessible name is just the label. */
function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <div className="flex flex-col gap-0.5 text-sm">
      <label className="flex flex-col gap-0.5">
        <span className="text-xs text-slate-600">{label}</span>
        {children}
      </label>
      {hint ? <span className="text-xs text-slate-500">{hint}</span> : null}
    </div>
  );
}

/**
 * Create or edit one catalog entry. Lowering the kind (destructive → write →
 * read), masking or hiding a field on the card, and adding or changing the
 * preview endpoint are saved as a request for a second admin, which the page
 * explains after the save.
 */
export function ToolForm({
  initial,
  editing,
  issues,
  busy,
  onSubmit,
  onCancel,
}: {
  initial: ToolDraft;
  editing: boolean;
  issues: FieldIssue[];
  busy: boolean;
  onSubmit: (d: ToolDraft) => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState<ToolDraft>(initial);
  const set = <K extends keyof ToolDraft>(k: K, v: ToolDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const ref = useRef<HTMLFormElement>(null);
  // "Edit" is clicked far down the table; bring the form (above the table) into view.
  // Braces on purpose: newer Chromium returns a Promise from scrollIntoView, which React would call as the cleanup.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "start", behavior: "smooth" });
  }, []);
  return (
    <form
      ref={ref}
      aria-label={editing ? `Edit tool ${initial.name}` : "New tool"}
      className="space-y-3 rounded-md border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(d);
      }}
    >
      <h2 className="text-sm font-semibold">{editing ? `Edit ${initial.name}` : "New tool"}</h2>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <Field label="Tool name" hint={editing ? "A tool cannot be renamed." : "Lowercase and dot-separated, e.g. ticket.close."}>
          <input required readOnly={editing} value={d.name} onChange={(e) => set("name", e.target.value)} className={`${input} font-mono ${editing ? "bg-slate-100" : ""}`} />
        </Field>
        <Field label="Kind" hint="Lowering the kind needs a second admin.">
          <select value={d.kind} onChange={(e) => set("kind", e.target.value as ToolKind)} className={input}>
            {TOOL_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        <Field label="Summary template" hint="One line; {arg} is replaced, e.g. Close ticket {ticket_id}.">
          <input required value={d.summaryTemplate} onChange={(e) => set("summaryTemplate", e.target.value)} className={input} />
        </Field>
      </div>
      <Field label="Description">
        <input value={d.description} onChange={(e) => set("description", e.target.value)} className={input} />
      </Field>
      <Field label="Args JSON Schema" hint="An object schema; the server compiles it (ajv, strict) and refuses it if it does not.">
        <textarea rows={8} spellCheck={false} value={d.argsSchema} onChange={(e) => set("argsSchema", e.target.value)} className={`${input} font-mono text-xs`} />
      </Field>
      <fieldset className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Blast radius</legend>
        <Field label="Blast radius scope" hint="What it touches, e.g. one ticket.">
          <input required value={d.scope} onChange={(e) => set("scope", e.target.value)} className={input} />
        </Field>
        <Field label="Records at most">
          <input type="number" min={0} required value={d.records} onChange={(e) => set("records", e.target.value)} className={input} />
        </Field>
        <Field label="Blast radius description">
          <input value={d.blastDescription} onChange={(e) => set("blastDescription", e.target.value)} className={input} />
        </Field>
      </fieldset>
      <fieldset className="grid grid-cols-1 items-start gap-3 md:grid-cols-3">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Undo</legend>
        <label className="flex items-center gap-2 pt-5 text-sm">
          <input type="checkbox" checked={d.reversible} onChange={(e) => set("reversible", e.target.checked)} />
          Reversible
        </label>
        <Field label="Undone via tool">
          <input
            disabled={!d.reversible}
            required={d.reversible}
            value={d.via}
            onChange={(e) => set("via", e.target.value)}
            className={`${input} font-mono disabled:bg-slate-100`}
          />
        </Field>
        <Field label="Undo note">
          <input value={d.undoNote} onChange={(e) => set("undoNote", e.target.value)} className={input} />
        </Field>
      </fieldset>
      <fieldset className="space-y-1">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Approval card</legend>
        <DisplaySpecEditor argsSchema={d.argsSchema} value={d.displayFields} onChange={(v) => set("displayFields", v)} />
      </fieldset>
      <fieldset className="grid grid-cols-1 items-start gap-3 md:grid-cols-3">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Trusted preview</legend>
        <div className="md:col-span-2">
          <Field
            label="Preview endpoint"
            hint="Optional. Gatehouse POSTs each pending action here (with a read-only preview token) and shows the answer {before, after} as the tool service's. Adding or changing it needs a second admin."
          >
            <input
              type="url"
              value={d.previewUrl}
              placeholder="https://tools.example.com/preview/ticket.close"
              onChange={(e) => set("previewUrl", e.target.value)}
              className={`${input} font-mono`}
            />
          </Field>
        </div>
        <label className="flex items-center gap-2 pt-5 text-sm">
          <input type="checkbox" checked={d.previewAllowPrivate} disabled={!d.previewUrl.trim()} onChange={(e) => set("previewAllowPrivate", e.target.checked)} />
          Allow a private or loopback address
        </label>
      </fieldset>
      {issues.length ? (
        <ul aria-label="Problems with the tool" className="list-disc rounded-md border border-red-200 bg-red-50 py-2 pl-6 pr-3 text-sm text-red-800">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <span className="font-mono text-xs">{i.path.replace(/^entry\./, "")}</span>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex gap-3">
        <button type="submit" disabled={busy} className="rounded bg-slate-900 px-3 py-1.5 text-sm text-white disabled:opacity-60">
          {editing ? "Save tool" : "Create tool"}
        </button>
        <button type="button" onClick={onCancel} className="text-sm text-slate-600 underline">
          Cancel
        </button>
      </div>
    </form>
  );
}
