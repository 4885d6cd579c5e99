"use client";

import { useState } from "react";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import type { MintOptions, MintRunChoice } from "@/lib/break-glass/mint-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, buttonClass, inputClass } from "@/components/break-glass/ui";
import { formatDateTime } from "@/components/ui/format-time";
import { QueueSearch } from "@/components/queue/QueueSearch";

/**
 * One action token for one run, tool and args. The run and the tool are
 * picked from lists (active runs with their agent, the catalog), not pasted.
 * The run list holds the newest 200 matching the search, with the true count;
 * the search (run id, agent, tenant, environment, route) finds any other.
 * The on-call sees only the action id; the agent fetches the token.
 */
export function MintTokenForm({ sessionId }: { sessionId: string }) {
  const [q, setQ] = useState("");
  const [picked, setPicked] = useState<MintRunChoice | null>(null);
  const runId = picked?.id ?? "";
  const [tool, setTool] = useState("");
  const [args, setArgs] = useState("{}");
  const [parseError, setParseError] = useState<Error | null>(null);
  const options = useQuery({
    queryKey: breakGlassKeys.mintOptions(q),
    queryFn: () => fetchConsole<MintOptions>(`/api/console/break-glass/mint-options${q ? `?q=${encodeURIComponent(q)}` : ""}`),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const mint = useMutation({
    mutationFn: (parsed: unknown) =>
      fetchConsole<{ action_id: string; token_expires_at: string }>("/api/console/break-glass/mint-token", {
        method: "POST",
        body: JSON.stringify({ session_id: sessionId, run_id: runId.trim(), tool: tool.trim(), args: parsed }),
      }),
  });
  const listed = options.data?.runs ?? [];
  // The chosen run stays chosen while another search is typed.
  const runs = picked && !listed.some((r) => r.id === picked.id) ? [picked, ...listed] : listed;
  const total = options.data?.runsTotal ?? 0;
  const tools = options.data?.tools ?? [];
  const run = listed.find((r) => r.id === runId) ?? picked;
  return (
    <Section title="Mint one action token for the next safe step">
      {/* Outside the form: Enter in the search must not submit a mint. */}
      <QueueSearch
        label="Search runs"
        placeholder="run id, agent, tenant, route"
        onSearch={(next) => setQ(next ?? "")}
        labelClassName="mb-2 flex max-w-sm flex-col text-xs font-medium text-slate-700"
        inputClassName="mt-0.5 rounded border border-slate-300 bg-white px-1.5 py-1 text-sm font-normal text-slate-900"
      />
      {options.data ? (
        <p className="mb-2 text-xs text-slate-700" data-testid="bg-mint-runs-count" aria-live="polite">
          {total === 0
            ? q
              ? "No active run matches."
              : "No active run."
            : total === listed.length
              ? `${total.toLocaleString("en-US")} active ${total === 1 ? (q ? "run matches" : "run") : q ? "runs match" : "runs"}, newest first`
              : `${total.toLocaleString("en-US")} active runs${q ? " match" : ""}; the newest ${listed.length} are listed — search to find another`}
        </p>
      ) : null}
      <form
        className="grid max-w-xl gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          try {
            setParseError(null);
            mint.mutate(JSON.parse(args));
          } catch {
            setParseError(new Error("Args must be JSON."));
          }
        }}
      >
        <label className="text-sm font-medium text-slate-700">
          Run
          <select className={inputClass} value={runId} onChange={(e) => setPicked(runs.find((r) => r.id === e.target.value) ?? null)} required>
            <option value="">{options.isPending ? "Loading runs…" : runs.length ? "Choose an active run" : q ? "No active run matches" : "No active run"}</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.agent} · {r.tenantId}/{r.env} · {r.route} · started {formatDateTime(r.startedAt)} · {r.id}
              </option>
            ))}
          </select>
        </label>
        {run ? (
          <p className="-mt-2 text-xs text-slate-600">
            {run.stepsLeft} steps left; the run ends {formatDateTime(run.expiresAt)}.
          </p>
        ) : null}
        <label className="text-sm font-medium text-slate-700">
          Tool
          <select className={inputClass} value={tool} onChange={(e) => setTool(e.target.value)} required>
            <option value="">Choose a tool</option>
            {tools.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name} ({t.kind}){t.description ? ` — ${t.description}` : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm font-medium text-slate-700">
          Args (JSON)
          <textarea className={`${inputClass} font-mono`} rows={3} value={args} onChange={(e) => setArgs(e.target.value)} />
        </label>
        <div>
          <button type="submit" className={buttonClass} disabled={mint.isPending}>
            Mint action token
          </button>
        </div>
        {mint.data ? (
          <p role="status" className="text-sm text-emerald-800">
            Approved as action <span className="font-mono">{mint.data.action_id}</span>; the agent that owns the run fetches its token from that action.
          </p>
        ) : null}
        <FormError error={parseError ?? options.error ?? mint.error} />
      </form>
    </Section>
  );
}
