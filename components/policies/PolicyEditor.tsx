"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Policy } from "@/lib/policy/types";
import type { RouteDetail } from "@/lib/routes/get-route-detail";
import type { PolicyPreview } from "@/lib/policy-changes/preview-policy-change";
import type { DryRunResult } from "@/lib/policy-changes/dry-run-policy";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { PolicyDiff } from "@/components/policies/PolicyDiff";
import { ChangedCells } from "@/components/policies/ChangedCells";
import { PendingChange } from "@/components/policies/PendingChange";
import { PolicyAnalysis } from "@/components/policies/PolicyAnalysis";
import type { PolicyComparison } from "@/lib/policy/semantic-diff";
import { PolicyForm } from "@/components/policies/PolicyForm";
import { PolicyHistory } from "@/components/policies/PolicyHistory";
import { PolicyTests } from "@/components/policies/PolicyTests";
import { BreakerPanel } from "@/components/policies/BreakerPanel";

type SaveResult = {
  status: "active" | "pending" | "blocked";
  version: number;
  failing: { message: string }[];
  unknownTools?: string[];
  comparison?: PolicyComparison;
  conflicts?: string[];
  rebasedFrom?: number;
};

/** POST that returns the body for 2xx and 409 alike (a blocked change is an answer, not an error). */
async function postAnswer<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Gatehouse-Console": "1" },
    body: JSON.stringify(body),
  });
  const data = (await res.json()) as T & { error?: { message: string; issues?: { path: string; message: string }[] } };
  if (!res.ok && res.status !== 409) {
    const issues = data.error?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new Error(`${data.error?.message ?? `Request failed (${res.status})`}${issues ? ` — ${issues}` : ""}`);
  }
  return data;
}

function parseDraft(text: string): { ok: true; value: Policy } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as Policy };
  } catch {
    return { ok: false };
  }
}

/** The admin's view of one route: pending changes, the editor (form / JSON, diff, tests, dry-run), tests, history, breaker. */
export function PolicyEditor({ route, me }: { route: string; me: string }) {
  const qc = useQueryClient();
  const detail = useQuery({ queryKey: adminKeys.route(route), queryFn: () => fetchConsole<RouteDetail>(`/api/console/policies/detail?route=${encodeURIComponent(route)}`) });
  // null = no local edits: the form and the JSON view show the active version (controlled, so they follow every refresh).
  const [text, setText] = useState<string | null>(null);
  // The active version the local draft was started from; sent as base_version so a save over a newer version is refused.
  const [draftBase, setDraftBase] = useState<number | null>(null);
  const [view, setView] = useState<"form" | "json">("form");
  const [reason, setReason] = useState("");
  const [preview, setPreview] = useState<PolicyPreview | null>(null);
  const [dry, setDry] = useState<DryRunResult | null>(null);
  const [limit, setLimit] = useState(1000);
  const [result, setResult] = useState<SaveResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: adminKeys.route(route) });
  const d = detail.data;
  const edit = (next: string) => {
    if (text === null) setDraftBase(d?.activeVersion ?? null);
    setText(next);
    setPreview(null);
  };
  /** After every save, approval, rejection, rebase and rollback: the draft is the (new) active version again. */
  const resetDraft = () => {
    setText(null);
    setDraftBase(null);
    setPreview(null);
    setDry(null);
  };

  const draftText = text ?? (d?.active ? JSON.stringify(d.active, null, 2) : "");
  const draft = parseDraft(draftText);

  const run = async <T,>(fn: () => Promise<T>, done: (t: T) => void) => {
    setError(null);
    try {
      done(await fn());
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const check = () => run(() => postAnswer<PolicyPreview>("/api/console/policies/preview", { route, policy: draft.ok ? draft.value : draftText }), setPreview);
  const save = useMutation({
    mutationFn: () =>
      postAnswer<SaveResult>("/api/console/policies/changes", {
        route,
        policy: draft.ok ? draft.value : draftText,
        reason,
        ...((draftBase ?? d?.activeVersion) ? { base_version: draftBase ?? d?.activeVersion } : {}),
      }),
    onSuccess: (r) => {
      setResult(r);
      setError(null);
      if (r.status !== "blocked") {
        resetDraft();
        setReason("");
      }
      void refresh();
    },
    onError: (e) => setError((e as Error).message),
  });
  const dryRun = () => run(() => postAnswer<DryRunResult>("/api/console/policies/dry-run", { route, policy: draft.ok ? draft.value : draftText, limit }), setDry);
  const decide = (id: string, verb: "approve" | "reject" | "rebase") =>
    run(
      () => postAnswer<SaveResult>(`/api/console/policies/changes/${id}/${verb}`, verb === "reject" ? { reason: "rejected in the console" } : {}),
      (r) => {
        if (verb !== "reject") setResult(r);
        resetDraft();
        void refresh();
      },
    );

  if (detail.isLoading) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!d) return <p role="alert">{(detail.error as Error)?.message ?? "Could not load the route."}</p>;
  const pending = d.versions.filter((v) => v.status === "pending");

  return (
    <div className="space-y-6">
      <BreakerPanel route={route} breaker={d.breaker} onChange={refresh} />

      <section aria-label="Pending changes" className="space-y-2">
        <h2 className="text-sm font-semibold">Pending changes</h2>
        {pending.length === 0 ? <p className="text-sm text-slate-500">None.</p> : null}
        {pending.map((v) => (
          <PendingChange key={v.id} route={route} v={v} active={d.active} me={me} onDecide={decide} />
        ))}
      </section>

      <section aria-label="Edit policy" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
        <div className="flex items-center gap-2">
          <h2 className="text-sm font-semibold">Edit (active: v{d.activeVersion})</h2>
          <div className="ml-auto flex gap-1" role="tablist">
            {(["form", "json"] as const).map((v) => (
              <button
                key={v}
                type="button"
                role="tab"
                aria-selected={view === v}
                className={`rounded px-2 py-1 text-xs ${view === v ? "bg-slate-800 text-white" : "bg-slate-100"}`}
                onClick={() => setView(v)}
              >
                {v === "form" ? "Form" : "JSON"}
              </button>
            ))}
          </div>
        </div>
        {view === "json" ? (
          <textarea
            aria-label="Policy JSON"
            spellCheck={false}
            className="h-72 w-full rounded border border-slate-300 p-2 font-mono text-xs"
            value={draftText}
            onChange={(e) => edit(e.target.value)}
          />
        ) : draft.ok ? (
          <PolicyForm value={draft.value} onChange={(p) => edit(JSON.stringify(p, null, 2))} />
        ) : (
          <p role="alert" className="text-sm text-red-700">
            The JSON view does not parse; fix it there first.
          </p>
        )}

        {d.active && draft.ok ? (
          <details open>
            <summary className="cursor-pointer text-xs text-slate-600">Diff against the active version</summary>
            <PolicyDiff before={d.active} after={draft.value} />
          </details>
        ) : null}

        <div className="flex flex-wrap items-end gap-2">
          <button type="button" className="rounded border border-slate-300 px-3 py-1 text-sm" onClick={check}>
            Check draft
          </button>
          <label className="text-sm">
            Replay last
            <input
              aria-label="Dry-run size"
              type="number"
              min={1}
              max={10000}
              value={limit}
              onChange={(e) => setLimit(Number(e.target.value))}
              className="mx-1 w-20 rounded border border-slate-300 p-1 text-sm"
            />
            decisions
          </label>
          <button type="button" className="rounded border border-slate-300 px-3 py-1 text-sm" onClick={dryRun}>
            Dry-run
          </button>
          <label className="ml-auto text-sm">
            Why
            <input
              aria-label="Reason for the change"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              className="ml-1 w-64 rounded border border-slate-300 p-1 text-sm"
            />
          </label>
          <button type="button" disabled={save.isPending} className="rounded bg-slate-900 px-3 py-1 text-sm text-white disabled:opacity-50" onClick={() => save.mutate()}>
            Save policy
          </button>
        </div>

        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {text !== null && draftBase !== null && draftBase !== d.activeVersion ? (
          <p role="alert" className="text-sm text-red-700">
            This draft was started from v{draftBase}; v{d.activeVersion} is active now. Saving will be refused: discard the draft and edit again.
          </p>
        ) : null}
        {text !== null ? (
          <button type="button" className="text-xs text-slate-600 underline" onClick={resetDraft}>
            Discard the draft
          </button>
        ) : null}
        {preview ? <PreviewBox preview={preview} /> : null}
        {dry ? <DryRunBox dry={dry} /> : null}
        {result ? <ResultBox result={result} /> : null}
      </section>

      <PolicyTests route={route} me={me} tests={d.tools ? d.tests : []} tools={d.tools} onChange={refresh} />
      <PolicyHistory
        route={route}
        versions={d.versions}
        activeVersion={d.activeVersion}
        onChange={(r) => {
          setResult(r);
          resetDraft();
          void refresh();
        }}
      />
    </div>
  );
}

function ResultBox({ result }: { result: SaveResult }) {
  const text =
    result.status === "active"
      ? `Version ${result.version} is now active${result.rebasedFrom ? ` (rebased from v${result.rebasedFrom})` : ""}.`
      : result.status === "pending"
        ? `Version ${result.version}${result.rebasedFrom ? ` (rebased from v${result.rebasedFrom})` : ""} widens access: it is pending until a second admin approves it.`
        : `Version ${result.version} is blocked: a policy test fails.`;
  return (
    <div
      role="status"
      data-testid="change-result"
      className={`rounded border p-3 text-sm ${result.status === "blocked" ? "border-red-300 bg-red-50" : result.status === "pending" ? "border-amber-300 bg-amber-50" : "border-emerald-300 bg-emerald-50"}`}
    >
      <p className="font-medium">{text}</p>
      {result.comparison ? <ChangedCells changes={result.comparison.changes} /> : null}
      {result.conflicts?.length ? <p className="text-amber-800">Rebase conflicts (your value was kept): {result.conflicts.join(", ")}</p> : null}
      {result.failing.length ? (
        <ul aria-label="Failing expectations" className="mt-1 list-disc pl-5">
          {result.failing.map((f) => (
            <li key={f.message}>{f.message}</li>
          ))}
        </ul>
      ) : null}
      {result.unknownTools?.length ? <p className="mt-1 text-amber-800">Unknown tools (denied until added to the catalog): {result.unknownTools.join(", ")}</p> : null}
    </div>
  );
}

function PreviewBox({ preview }: { preview: PolicyPreview }) {
  if (!preview.valid) {
    return (
      <ul role="alert" aria-label="Validation issues" className="list-disc rounded border border-red-300 bg-red-50 p-3 pl-8 text-sm text-red-800">
        {preview.issues.map((i) => (
          <li key={i.path + i.message}>
            <code>{i.path}</code>: {i.message}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div aria-label="Draft check" className="space-y-1 rounded border border-slate-200 p-3 text-sm">
      {preview.unknownTools.length ? <p className="text-amber-800">Unknown tools: {preview.unknownTools.join(", ")}</p> : null}
      <ChangedCells changes={preview.comparison.changes} />
      <p className="font-medium">
        {preview.blocked
          ? "A policy test fails: saving will be blocked."
          : preview.needsSecondAdmin
            ? "Saving creates a pending change for a second admin."
            : "Saving takes effect at once."}
      </p>
      <ul className="list-disc pl-5">
        {preview.expectations.map((e) => (
          <li key={e.message} className={e.ok ? "text-slate-600" : "text-red-700"}>
            {e.message}
          </li>
        ))}
      </ul>
      <details open>
        <summary className="cursor-pointer text-xs text-slate-600">Analyzer</summary>
        <PolicyAnalysis analysis={preview.analysis} />
      </details>
    </div>
  );
}

function DryRunBox({ dry }: { dry: DryRunResult }) {
  return (
    <div aria-label="Dry-run result" className="rounded border border-sky-200 bg-sky-50 p-3 text-sm">
      <p data-testid="dry-run-summary">
        {dry.changed} of {dry.considered} decisions would change ({dry.unchanged} unchanged, {dry.skipped} skipped).
      </p>
      <ul className="mt-1 list-disc pl-5">
        {dry.transitions.map((t) => (
          <li key={`${t.from}-${t.to}`}>
            {t.from} → {t.to}: {t.count} (e.g. {t.examples.map((e) => `#${e.seq} ${e.tool}`).join(", ")})
          </li>
        ))}
      </ul>
      <p className="mt-1 text-xs text-slate-600">{dry.limitations}</p>
    </div>
  );
}
