"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import type { AuditFilter, AuditPage } from "@/lib/audit/query";
import type { StoredChainCheck } from "@/lib/audit/verify-stored-chain";
import { fetchConsole } from "@/components/console/fetch-console";
import { auditKeys } from "@/components/audit/query-keys";
import { Table, Td } from "@/components/ui/Table";
import { Badge, statusTone } from "@/components/ui/Badge";
import { utcInputToIso } from "@/components/ui/format-time";

const FIELDS: { key: keyof AuditFilter; label: string; type?: string }[] = [
  { key: "tenant", label: "Tenant" },
  { key: "env", label: "Env" },
  { key: "route", label: "Route" },
  { key: "tool", label: "Tool" },
  { key: "actor", label: "Actor id" },
  { key: "type", label: "Event type" },
  { key: "status", label: "Status" },
  { key: "from", label: "From (UTC)", type: "datetime-local" },
  { key: "to", label: "To (UTC)", type: "datetime-local" },
  { key: "request_id", label: "Request id" },
  { key: "action_id", label: "Action id" },
  { key: "break_glass_session_id", label: "Break-glass session" },
];

/** Form values → the API's query string; From/To are UTC like the table's times, and become ISO instants. */
export function filterQuery(form: Partial<Record<keyof AuditFilter, string>>): URLSearchParams {
  const q = new URLSearchParams();
  for (const f of FIELDS) {
    const v = form[f.key]?.trim();
    if (!v) continue;
    const value = f.type === "datetime-local" ? utcInputToIso(v) : v;
    if (value) q.set(f.key, value);
  }
  return q;
}

/** Filters, keyset pages (newest first), verify button and export of the filtered set. */
export function AuditBrowser({ initial }: { initial: Partial<Record<keyof AuditFilter, string>> }) {
  const [form, setForm] = useState(initial);
  const [applied, setApplied] = useState(() => filterQuery(initial).toString());
  // The cursors of pages already visited, so "Newer" goes back without an offset.
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors[cursors.length - 1];
  const pageQuery = new URLSearchParams(applied);
  if (before !== undefined) pageQuery.set("before", String(before));
  const page = useQuery({
    queryKey: auditKeys.page(pageQuery.toString()),
    queryFn: () => fetchConsole<AuditPage>(`/api/console/audit?${pageQuery.toString()}`),
  });
  const verify = useMutation({ mutationFn: () => fetchConsole<StoredChainCheck>("/api/console/audit/verify", { method: "POST", body: "{}" }) });
  const exportHref = (format: "jsonl" | "csv") => `/api/console/audit/export?${new URLSearchParams([...new URLSearchParams(applied), ["format", format]]).toString()}`;

  return (
    <div className="space-y-4">
      <form
        aria-label="Audit filters"
        className="grid grid-cols-2 gap-2 md:grid-cols-4 xl:grid-cols-6"
        onSubmit={(e) => {
          e.preventDefault();
          const q = filterQuery(form).toString();
          setApplied(q);
          setCursors([]);
          window.history.replaceState(null, "", q ? `/audit?${q}` : "/audit");
        }}
      >
        {FIELDS.map((f) => (
          <label key={f.key} className="flex flex-col text-[11px] font-medium uppercase tracking-wide text-slate-500">
            {f.label}
            <input
              type={f.type ?? "text"}
              step={f.type === "datetime-local" ? 1 : undefined}
              value={form[f.key] ?? ""}
              onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
              className="mt-0.5 rounded border border-slate-300 bg-white px-1.5 py-1 text-xs normal-case tracking-normal text-slate-900"
            />
          </label>
        ))}
        <div className="col-span-full flex flex-wrap items-center gap-2">
          <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white">
            Apply filters
          </button>
          <a className="rounded border border-slate-300 px-3 py-1.5 text-sm" href={exportHref("jsonl")} download>
            Export JSONL
          </a>
          <a className="rounded border border-slate-300 px-3 py-1.5 text-sm" href={exportHref("csv")} download>
            Export CSV
          </a>
          <button type="button" className="rounded border border-slate-300 px-3 py-1.5 text-sm" disabled={verify.isPending} onClick={() => verify.mutate()}>
            {verify.isPending ? "Verifying…" : "Verify chain"}
          </button>
          <VerifyResult result={verify.data} error={verify.error} />
        </div>
      </form>

      {page.error ? (
        <p role="alert" className="text-sm text-red-700">
          {page.error.message}
        </p>
      ) : null}
      <Table
        label="Audit events"
        head={["#", "Time (UTC)", "Type", "Actor", "Tenant / env", "Route", "Tool", "Status", "Break-glass"]}
        empty={page.data ? (applied ? "No event matches these filters." : "The audit log is empty.") : undefined}
      >
        {(page.data?.rows ?? []).map((r) => (
          <tr key={r.seq} data-testid="audit-row" data-seq={r.seq}>
            <Td className="tabular-nums">
              <Link className="text-sky-700 underline" href={`/audit/${r.seq}`}>
                {r.seq}
              </Link>
            </Td>
            <Td className="whitespace-nowrap text-xs">{r.at.replace("T", " ").slice(0, 19)}</Td>
            <Td className="font-mono text-xs">{r.type}</Td>
            <Td className="max-w-[14rem] truncate text-xs">{r.actor_id ? `${r.actor_type}:${r.actor_id}` : r.actor_type}</Td>
            <Td className="text-xs">{r.tenant ? `${r.tenant} / ${r.env ?? "–"}` : "–"}</Td>
            <Td className="font-mono text-xs">{r.route ?? "–"}</Td>
            <Td className="font-mono text-xs">{r.tool ?? "–"}</Td>
            <Td className="text-xs">{r.status ? <Badge tone={statusTone(r.status)}>{r.status}</Badge> : "–"}</Td>
            <Td className="font-mono text-xs">
              {r.break_glass_session_id ? (
                <span title={r.break_glass_session_id}>
                  {/* Ids start with their creation time; the random tail tells sessions apart. */}
                  <Badge tone="red">bg…{r.break_glass_session_id.slice(-6)}</Badge>
                </span>
              ) : (
                ""
              )}
            </Td>
          </tr>
        ))}
      </Table>
      {page.data && page.data.rows.length === 0 ? <p className="text-sm text-slate-500">No events match these filters.</p> : null}
      <div className="flex gap-2">
        <button
          type="button"
          className="rounded border border-slate-300 px-3 py-1 text-sm disabled:opacity-40"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          className="rounded border border-slate-300 px-3 py-1 text-sm disabled:opacity-40"
          disabled={!page.data?.next_before}
          onClick={() => page.data?.next_before && setCursors([...cursors, page.data.next_before])}
        >
          Older
        </button>
      </div>
    </div>
  );
}

function VerifyResult({ result, error }: { result?: StoredChainCheck; error: Error | null }) {
  if (error)
    return (
      <span role="alert" className="text-sm text-red-700">
        {error.message}
      </span>
    );
  if (!result) return null;
  return result.ok ? (
    <span data-testid="verify-result" className="text-sm text-emerald-700">
      Chain intact: {result.count} events verified.
    </span>
  ) : (
    <span data-testid="verify-result" className="text-sm font-medium text-red-700">
      Chain broken at sequence {result.badSeq}: {result.problem}
    </span>
  );
}
