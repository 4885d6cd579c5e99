"use client";

import type { ActionFilters } from "@/lib/approvals/schemas";
import type { FilterOptions } from "@/lib/approvals/filter-options";

type Field = { key: keyof ActionFilters; label: string; options: string[] };

/** Tenant / env / route / tool / kind selects (plus status and "fast" for history). */
export function ActionFilterBar({
  value,
  onChange,
  options,
  history = false,
}: {
  value: ActionFilters;
  onChange: (f: ActionFilters) => void;
  options: FilterOptions;
  history?: boolean;
}) {
  const fields: Field[] = [
    { key: "tenant", label: "Tenant", options: options.tenants },
    { key: "env", label: "Env", options: ["prod", "staging", "dev"] },
    { key: "route", label: "Route", options: options.routes },
    { key: "tool", label: "Tool", options: options.tools },
    { key: "kind", label: "Kind", options: ["read", "write", "destructive"] },
    ...(history ? [{ key: "status" as const, label: "Status", options: ["approved", "rejected", "expired", "cancelled", "denied", "allowed"] }] : []),
  ];
  return (
    <form className="flex flex-wrap items-end gap-2" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      {fields.map((f) => (
        <label key={f.key} className="flex flex-col text-[11px] font-medium uppercase tracking-wide text-slate-500">
          {f.label}
          <select
            value={(value[f.key] as string | undefined) ?? ""}
            onChange={(e) => onChange({ ...value, [f.key]: e.target.value || undefined })}
            className="mt-0.5 rounded border border-slate-300 bg-white px-1.5 py-1 text-xs normal-case tracking-normal text-slate-900"
          >
            <option value="">any</option>
            {f.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
      ))}
      {history ? (
        <label className="flex items-center gap-1.5 pb-1 text-xs text-slate-700">
          <input type="checkbox" checked={value.fast === "1"} onChange={(e) => onChange({ ...value, fast: e.target.checked ? "1" : undefined })} />
          Decided in under 3 s
        </label>
      ) : null}
    </form>
  );
}
