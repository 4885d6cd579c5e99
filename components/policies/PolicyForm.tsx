"use client";

import { useState } from "react";
import type { Policy } from "@/lib/policy/types";

const LISTS = [
  ["allow_tools", "Allow"],
  ["require_approval", "Require approval"],
  ["deny_tools", "Deny"],
  ["auto_approve", "Auto-approve (writes in Allow only)"],
] as const;

const split = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/**
 * A field whose text the admin edits locally and commits on blur, and which
 * resets to `value` whenever `value` changes from outside (a save, an
 * approval, a rollback, the JSON view): the form always shows the draft.
 */
function useSynced(value: string): [string, (s: string) => void] {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value);
  }
  return [text, setText];
}

function ListField({ label, list, onCommit }: { label: string; list: string[]; onCommit: (l: string[]) => void }) {
  const [text, setText] = useSynced(list.join("\n"));
  return (
    <label className="text-sm">
      <span className="font-medium text-slate-700">{label}</span>
      <textarea
        aria-label={label}
        className="mt-1 block h-20 w-full rounded border border-slate-300 p-2 font-mono text-xs"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (split(text).join("\n") !== list.join("\n")) onCommit(split(text));
        }}
      />
    </label>
  );
}

function NumberField({ label, value, step, min, max, onCommit }: { label: string; value: number; step?: string; min?: number; max?: number; onCommit: (n: number) => void }) {
  const [text, setText] = useSynced(String(value));
  return (
    <label className="text-sm">
      <span className="font-medium text-slate-700">{label}</span>
      <input
        aria-label={label}
        type="number"
        step={step ?? "1"}
        min={min}
        max={max}
        className="mt-1 block w-full rounded border border-slate-300 p-1 text-sm"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text !== String(value)) onCommit(text === "" ? 0 : Number(text));
        }}
      />
    </label>
  );
}

/** The form view of a policy: controlled fields for each list, budgets and approval settings. Edits the same object as the JSON view. */
export function PolicyForm({ value, onChange }: { value: Policy; onChange: (p: Policy) => void }) {
  const approval = (patch: Partial<Policy["approval"]>) => onChange({ ...value, approval: { ...value.approval, ...patch } });
  return (
    <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
      {LISTS.map(([key, label]) => (
        <ListField key={key} label={label} list={value[key]} onCommit={(l) => onChange({ ...value, [key]: l })} />
      ))}
      {(["steps", "seconds", "usd"] as const).map((k) => (
        <NumberField
          key={k}
          label={`Budget ${k}`}
          step={k === "usd" ? "0.01" : "1"}
          value={value.budgets[k]}
          onCommit={(n) => onChange({ ...value, budgets: { ...value.budgets, [k]: n } })}
        />
      ))}
      <NumberField label="Approvals a write needs" min={1} value={value.approval.write_approvals} onCommit={(n) => approval({ write_approvals: n })} />
      <NumberField label="Pending TTL (seconds)" min={1} value={value.approval.pending_ttl_seconds} onCommit={(n) => approval({ pending_ttl_seconds: n })} />
      <NumberField label="Escalate after (seconds)" min={1} value={value.approval.escalate_after_seconds} onCommit={(n) => approval({ escalate_after_seconds: n })} />
      <NumberField label="Approval valid for (seconds)" min={1} max={86400} value={value.approval.valid_seconds ?? 3600} onCommit={(n) => approval({ valid_seconds: n })} />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={value.approval.reads_require_approval} onChange={(e) => approval({ reads_require_approval: e.target.checked })} />
        Reads require approval too
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={value.audit.enabled} onChange={(e) => onChange({ ...value, audit: { enabled: e.target.checked } })} />
        Audit enabled
      </label>
    </div>
  );
}
