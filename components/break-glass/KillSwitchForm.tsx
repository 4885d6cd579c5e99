"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { KillSwitchView } from "@/lib/kill-switches/set-kill-switch";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, buttonClass, inputClass } from "@/components/break-glass/ui";
import { Badge } from "@/components/ui/Badge";

/** Flip a tenant or tool kill switch under the open session (audited, announced by webhook). */
export function KillSwitchForm({ sessionId }: { sessionId: string }) {
  const qc = useQueryClient();
  const [scope, setScope] = useState<"tenant" | "tool">("tool");
  const [tenantId, setTenantId] = useState("");
  const [tool, setTool] = useState("");
  const [reason, setReason] = useState("");
  const list = useQuery({
    queryKey: breakGlassKeys.killSwitches(),
    queryFn: () => fetchConsole<{ kill_switches: KillSwitchView[] }>("/api/console/kill-switches"),
  });
  const flip = useMutation({
    mutationFn: (enabled: boolean) =>
      fetchConsole<KillSwitchView>("/api/console/kill-switches", {
        method: "POST",
        body: JSON.stringify({ scope, tenantId: tenantId.trim() || null, tool: scope === "tool" ? tool.trim() : null, enabled, reason, break_glass_session_id: sessionId }),
      }),
    onSettled: () => void qc.invalidateQueries({ queryKey: breakGlassKeys.killSwitches() }),
  });
  return (
    <Section title="Kill switches">
      <form className="grid max-w-xl grid-cols-2 gap-3" onSubmit={(e) => e.preventDefault()}>
        <label className="text-sm font-medium text-slate-700">
          Scope
          <select className={inputClass} value={scope} onChange={(e) => setScope(e.target.value as "tenant" | "tool")}>
            <option value="tool">tool</option>
            <option value="tenant">tenant</option>
          </select>
        </label>
        <label className="text-sm font-medium text-slate-700">
          Tenant {scope === "tool" ? "(empty = every tenant)" : ""}
          <input className={inputClass} value={tenantId} onChange={(e) => setTenantId(e.target.value)} />
        </label>
        {scope === "tool" ? (
          <label className="text-sm font-medium text-slate-700">
            Tool name
            <input className={inputClass} value={tool} onChange={(e) => setTool(e.target.value)} />
          </label>
        ) : null}
        <label className="text-sm font-medium text-slate-700">
          Why
          <input className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <div className="col-span-2 flex gap-2">
          <button type="button" className={buttonClass} disabled={flip.isPending} onClick={() => flip.mutate(true)}>
            Turn kill switch on
          </button>
          <button type="button" className={buttonClass} disabled={flip.isPending} onClick={() => flip.mutate(false)}>
            Turn kill switch off
          </button>
        </div>
        <div className="col-span-2">
          <FormError error={flip.error} />
        </div>
      </form>
      <ul className="mt-3 space-y-1 text-sm">
        {(list.data?.kill_switches ?? []).map((k) => (
          <li key={k.key}>
            <span className="font-mono text-xs">{k.key}</span> {k.enabled ? <Badge tone="red">on</Badge> : <Badge>off</Badge>} <span className="text-slate-500">{k.reason}</span>
          </li>
        ))}
      </ul>
    </Section>
  );
}
