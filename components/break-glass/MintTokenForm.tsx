"use client";

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { FormError, Section, buttonClass, inputClass } from "@/components/break-glass/ui";

/** One action token for one run, tool and args. The on-call sees only the action id; the agent fetches the token. */
export function MintTokenForm({ sessionId }: { sessionId: string }) {
  const [runId, setRunId] = useState("");
  const [tool, setTool] = useState("");
  const [args, setArgs] = useState("{}");
  const [parseError, setParseError] = useState<Error | null>(null);
  const mint = useMutation({
    mutationFn: (parsed: unknown) =>
      fetchConsole<{ action_id: string; token_expires_at: string }>("/api/console/break-glass/mint-token", {
        method: "POST",
        body: JSON.stringify({ session_id: sessionId, run_id: runId.trim(), tool: tool.trim(), args: parsed }),
      }),
  });
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
          Run id
          <input className={inputClass} value={runId} onChange={(e) => setRunId(e.target.value)} required />
        </label>
        <label className="text-sm font-medium text-slate-700">
          Tool
          <input className={inputClass} value={tool} onChange={(e) => setTool(e.target.value)} required />
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
          <p role="status" className="text-sm text-emerald-700">
            Approved as action <span className="font-mono">{mint.data.action_id}</span>; the agent that owns the run fetches its token from that action.
          </p>
        ) : null}
        <FormError error={parseError ?? mint.error} />
      </form>
    </Section>
  );
}
