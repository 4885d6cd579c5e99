"use client";

import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import type { MintOptions } from "@/lib/break-glass/mint-options";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, buttonClass, inputClass } from "@/components/break-glass/ui";
import { formatDateTime } from "@/components/ui/format-time";

/**
 * One action token for one run, tool and args. The run and the tool are
 * picked from lists (active runs with their agent, the catalog), not pasted.
 * The on-call sees only the action id; the agent fetches the token.
 */
export function MintTokenForm({ sessionId }: { sessionId: string }) {
  const [runId, setRunId] = useState("");
  const [tool, setTool] = useState("");
  const [args, setArgs] = useState("{}");
  const [parseError, setParseError] = useState<Error | null>(null);
  const options = useQuery({ queryKey: breakGlassKeys.mintOptions(), queryFn: () => fetchConsole<MintOptions>("/api/console/break-glass/mint-options"), refetchInterval: 10_000 });
  const mint = useMutation({
    mutationFn: (parsed: unknown) =>
      fetchConsole<{ action_id: string; token_expires_at: string }>("/api/console/break-glass/mint-token", {
        method: "POST",
        body: JSON.stringify({ session_id: sessionId, run_id: runId.trim(), tool: tool.trim(), args: parsed }),
      }),
  });
  const runs = options.data?.runs ?? [];
  const tools = options.data?.tools ?? [];
  const run = runs.find((r) => r.id === runId);
  return (
    <Section title="Mint one action token for the next safe step">
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
          <select className={inputClass} value={runId} onChange={(e) => setRunId(e.target.value)} required>
            <option value="">{options.isPending ? "Loading runs…" : runs.length ? "Choose an active run" : "No active run"}</option>
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
