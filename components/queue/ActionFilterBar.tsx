"use client";

import type { ActionFilters } from "@/lib/approvals/schemas";
import type { FilterOptions } from "@/lib/approvals/filter-options";
import { QueueSearch } from "@/components/queue/QueueSearch";

type Field = { key: keyof ActionFilters; label: string; options: [string, string][] };

const same = (xs: string[]): [string, string][] => xs.map((x) => [x, x]);

/** Search, "needs my vote", tenant / env / route / tool / kind / age selects (plus status and "fast" for history). */
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
    { key: "tenant", label: "Tenant", options: same(options.tenants) },
    { key: "env", label: "Env", options: same(["prod", "staging", "dev"]) },
    { key: "route", label: "Route", options: same(options.routes) },
    { key: "tool", label: "Tool", options: same(options.tools) },
    { key: "kind", label: "Kind", options: same(["read", "write", "destructive"]) },
    ...(history
      ? [{ key: "status" as const, label: "Status", options: same(["approved", "rejected", "expired", "cancelled", "denied", "allowed"]) }]
      : [
          {
            key: "age" as const,
            label: "Waiting",
            options: [
              ["5m", "over 5 min"],
              ["1h", "over 1 hour"],
              ["4h", "over 4 hours"],
              ["1d", "over 1 day"],
            ] as [string, string][],
          },
        ]),
  ];
  return (
    <form className="flex flex-wrap items-end gap-2" aria-label="Filters" role="search" onSubmit={(e) => e.preventDefault()}>
      {!history ? (
        <>
          {/* The filter (and the URL) follow the box 300 ms after the last key. */}
          <QueueSearch
            label="Search"
            initial={value.q ?? ""}
            onSearch={(next) => {
              if (next !== value.q) onChange({ ...value, q: next });
            }}
            labelClassName="flex min-w-40 flex-1 flex-col text-[11px] font-medium uppercase tracking-wide text-slate-600 sm:max-w-56"
            inputClassName="mt-0.5 rounded border border-slate-300 bg-white px-1.5 py-1 text-xs normal-case tracking-normal text-slate-900"
          />
          <label className="flex items-center gap-1.5 pb-1 text-xs text-slate-800">
            <input type="checkbox" checked={value.mine === "1"} onChange={(e) => onChange({ ...value, mine: e.target.checked ? "1" : undefined })} />
            Needs my vote
          </label>
        </>
      ) : null}
      {fields.map((f) => (
        <label key={f.key} className="flex flex-col text-[11px] font-medium uppercase tracking-wide text-slate-600">
          {f.label}
          <select
            value={(value[f.key] as string | undefined) ?? ""}
            onChange={(e) => onChange({ ...value, [f.key]: e.target.value || undefined })}
            className="mt-0.5 max-w-40 rounded border border-slate-300 bg-white px-1.5 py-1 text-xs normal-case tracking-normal text-slate-900"
          >
            <option value="">any</option>
            {f.options.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
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
