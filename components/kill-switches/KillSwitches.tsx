"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { KillSwitchView } from "@/lib/kill-switches/set-kill-switch";
import { fetchConsole } from "@/components/console/fetch-console";
import { killSwitchQueryKeys } from "@/components/kill-switches/query-keys";
import { Badge } from "@/components/ui/Badge";

/**
 * Kill switches per tool (one tenant or all) and per tenant: one click with a
 * required reason; effective on the next decision. On the settings page for
 * admins; on the break-glass page with the on-call's open `sessionId`, which
 * every flip names (the server refuses on-call without it).
 */
export function KillSwitches({ tenants, tools, sessionId }: { tenants: string[]; tools: string[]; sessionId?: string }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: killSwitchQueryKeys.list(), queryFn: () => fetchConsole<{ kill_switches: KillSwitchView[] }>("/api/console/kill-switches") });
  const [scope, setScope] = useState<"tool" | "tenant">("tool");
  const [tenantId, setTenant] = useState("");
  const [tool, setTool] = useState(tools[0] ?? "");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const flip = async (body: Record<string, unknown>) => {
    setError(null);
    try {
      await fetchConsole("/api/console/kill-switches", { method: "POST", body: JSON.stringify(sessionId ? { ...body, break_glass_session_id: sessionId } : body) });
      setReason("");
      await qc.invalidateQueries({ queryKey: killSwitchQueryKeys.all });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const on = (q.data?.kill_switches ?? []).filter((k) => k.enabled);
  return (
    <section aria-label="Kill switches" className="space-y-3 rounded-md border border-red-200 bg-white p-4">
      <h2 className="text-sm font-semibold">Kill switches</h2>
      <form
        className="flex flex-wrap items-end gap-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void flip({ scope, tenantId: tenantId || null, tool: scope === "tool" ? tool : null, enabled: true, reason });
        }}
      >
        <label>
          Scope
          <select aria-label="Kill switch scope" value={scope} onChange={(e) => setScope(e.target.value as "tool" | "tenant")} className="ml-1 rounded border border-slate-300 p-1">
            <option value="tool">tool</option>
            <option value="tenant">tenant</option>
          </select>
        </label>
        {scope === "tool" ? (
          <label>
            Tool
            <select aria-label="Kill switch tool" value={tool} onChange={(e) => setTool(e.target.value)} className="ml-1 rounded border border-slate-300 p-1">
              {tools.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Tenant
          <select aria-label="Kill switch tenant" value={tenantId} onChange={(e) => setTenant(e.target.value)} className="ml-1 rounded border border-slate-300 p-1">
            {scope === "tool" ? <option value="">all tenants</option> : <option value="">choose…</option>}
            {tenants.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Reason <input aria-label="Kill switch reason" required value={reason} onChange={(e) => setReason(e.target.value)} className="rounded border border-slate-300 p-1" />
        </label>
        <button type="submit" className="rounded bg-red-700 px-3 py-1 text-white">
          Turn kill switch on
        </button>
      </form>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <ul className="divide-y divide-slate-100 text-sm">
        {on.length === 0 ? <li className="text-slate-500">No kill switch is on.</li> : null}
        {on.map((k) => (
          <li key={k.key} className="flex items-center gap-2 py-1" data-testid={`kill-${k.key}`}>
            <Badge tone="red">on</Badge>
            <span className="font-mono text-xs">{k.key}</span>
            <span className="text-xs text-slate-500">{k.reason}</span>
            <button
              type="button"
              className="ml-auto text-xs text-sky-700"
              aria-label={`Turn off ${k.key}`}
              onClick={() => {
                const why = window.prompt("Why is it safe to turn this off?");
                if (why) void flip({ scope: k.scope, tenantId: k.tenantId, tool: k.tool, enabled: false, reason: why });
              }}
            >
              Turn off
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
