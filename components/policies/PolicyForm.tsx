"use client";

import type { Policy } from "@/lib/policy/types";

const LISTS = [
  ["allow_tools", "Allow"],
  ["require_approval", "Require approval"],
  ["deny_tools", "Deny"],
  ["auto_approve", "Auto-approve (writes only; a widening)"],
] as const;

const split = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** The form view of a policy: one field per list, budgets and approval settings. Edits the same object as the JSON view. */
export function PolicyForm({ value, onChange }: { value: Policy; onChange: (p: Policy) => void }) {
  const num = (s: string) => (s === "" ? 0 : Number(s));
  return (
    <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
      {LISTS.map(([key, label]) => (
        <label key={key} className="text-sm">
          <span className="font-medium text-slate-700">{label}</span>
          <textarea
            aria-label={label}
            className="mt-1 block h-20 w-full rounded border border-slate-300 p-2 font-mono text-xs"
            defaultValue={value[key].join("\n")}
            onBlur={(e) => onChange({ ...value, [key]: split(e.target.value) })}
          />
        </label>
      ))}
      {(["steps", "seconds", "usd"] as const).map((k) => (
        <label key={k} className="text-sm">
          <span className="font-medium text-slate-700">Budget: {k}</span>
          <input
            aria-label={`Budget ${k}`}
            type="number"
            step={k === "usd" ? "0.01" : "1"}
            className="mt-1 block w-full rounded border border-slate-300 p-1 text-sm"
            defaultValue={value.budgets[k]}
            onBlur={(e) => onChange({ ...value, budgets: { ...value.budgets, [k]: num(e.target.value) } })}
          />
        </label>
      ))}
      <label className="text-sm">
        <span className="font-medium text-slate-700">Approvals a write needs</span>
        <input
          type="number"
          min={1}
          className="mt-1 block w-full rounded border border-slate-300 p-1 text-sm"
          defaultValue={value.approval.write_approvals}
          onBlur={(e) => onChange({ ...value, approval: { ...value.approval, write_approvals: num(e.target.value) } })}
        />
      </label>
      <label className="text-sm">
        <span className="font-medium text-slate-700">Pending TTL (seconds)</span>
        <input
          type="number"
          min={1}
          className="mt-1 block w-full rounded border border-slate-300 p-1 text-sm"
          defaultValue={value.approval.pending_ttl_seconds}
          onBlur={(e) => onChange({ ...value, approval: { ...value.approval, pending_ttl_seconds: num(e.target.value) } })}
        />
      </label>
      <label className="text-sm">
        <span className="font-medium text-slate-700">Approval valid for (seconds)</span>
        <input
          type="number"
          min={1}
          max={86400}
          aria-label="Approval valid for (seconds)"
          className="mt-1 block w-full rounded border border-slate-300 p-1 text-sm"
          defaultValue={value.approval.valid_seconds ?? 3600}
          onBlur={(e) => onChange({ ...value, approval: { ...value.approval, valid_seconds: num(e.target.value) } })}
        />
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          defaultChecked={value.approval.reads_require_approval}
          onChange={(e) => onChange({ ...value, approval: { ...value.approval, reads_require_approval: e.target.checked } })}
        />
        Reads require approval too
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" defaultChecked={value.audit.enabled} onChange={(e) => onChange({ ...value, audit: { enabled: e.target.checked } })} />
        Audit enabled
      </label>
    </div>
  );
}
