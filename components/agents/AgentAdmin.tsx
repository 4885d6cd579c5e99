"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { AgentRow } from "@/lib/console/list-agents";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";

type Secret = { key: string; callback_secret: string };

/** Create (key shown once), rotate and revoke agent credentials. */
export function AgentAdmin({ tenants, routes }: { tenants: string[]; routes: string[] }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: adminKeys.agents(), queryFn: () => fetchConsole<{ agents: AgentRow[] }>("/api/console/agents") });
  const [name, setName] = useState("");
  const [tenantId, setTenant] = useState(tenants[0] ?? "");
  const [env, setEnv] = useState("prod");
  const [picked, setPicked] = useState<string[]>([]);
  const [allowlist, setAllowlist] = useState("");
  const [secret, setSecret] = useState<Secret | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<Secret | unknown>) => {
    setError(null);
    try {
      const r = await fn();
      if (r && typeof r === "object" && "key" in r) setSecret(r as Secret);
      await qc.invalidateQueries({ queryKey: adminKeys.agents() });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="space-y-4">
      <form
        aria-label="New agent credential"
        className="flex flex-wrap items-end gap-2 rounded border border-slate-200 bg-white p-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() =>
            fetchConsole("/api/console/agents", {
              method: "POST",
              body: JSON.stringify({ name, tenantId, env, routes: picked, callbackAllowlist: allowlist.split(/[\s,]+/).filter(Boolean) }),
            }),
          );
        }}
      >
        <label>
          Name <input aria-label="Agent name" value={name} onChange={(e) => setName(e.target.value)} className="rounded border border-slate-300 p-1" />
        </label>
        <label>
          Tenant
          <select aria-label="Tenant" value={tenantId} onChange={(e) => setTenant(e.target.value)} className="ml-1 rounded border border-slate-300 p-1">
            {tenants.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Environment
          <select aria-label="Environment" value={env} onChange={(e) => setEnv(e.target.value)} className="ml-1 rounded border border-slate-300 p-1">
            {["prod", "staging", "dev"].map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <fieldset className="flex flex-wrap gap-2">
          <legend className="sr-only">Routes</legend>
          {routes.map((r) => (
            <label key={r} className="flex items-center gap-1">
              <input type="checkbox" checked={picked.includes(r)} onChange={(e) => setPicked(e.target.checked ? [...picked, r] : picked.filter((x) => x !== r))} />
              {r}
            </label>
          ))}
        </fieldset>
        <label>
          Callback allowlist{" "}
          <input
            aria-label="Callback allowlist"
            placeholder="hosts, comma-separated"
            value={allowlist}
            onChange={(e) => setAllowlist(e.target.value)}
            className="rounded border border-slate-300 p-1"
          />
        </label>
        <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-white">
          Create credential
        </button>
      </form>
      {secret ? (
        <div role="status" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">Copy the key now: it is shown once and stored only as a hash.</p>
          <p>
            Key: <code data-testid="new-agent-key">{secret.key}</code>
          </p>
          <p>
            Callback secret: <code>{secret.callback_secret}</code>
          </p>
          <button type="button" className="mt-1 text-xs underline" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <Table label="Agent credentials" head={["Name", "Key prefix", "Tenant / env", "Routes", "Last used", "State", ""]}>
        {(q.data?.agents ?? []).map((a) => (
          <tr key={a.id} data-testid={`agent-${a.name}`}>
            <Td>{a.name}</Td>
            <Td className="font-mono text-xs">{a.keyPrefix}</Td>
            <Td className="text-xs">
              {a.tenantId} / {a.env}
            </Td>
            <Td className="text-xs">{a.routes.join(", ")}</Td>
            <Td className="text-xs">{a.lastUsedAt ? formatDateTime(a.lastUsedAt) : "never"}</Td>
            <Td>{a.revoked ? <Badge tone="red">revoked</Badge> : <Badge tone="green">active</Badge>}</Td>
            <Td>
              {a.revoked ? null : (
                <span className="flex gap-2 text-xs">
                  <button
                    type="button"
                    className="text-sky-700"
                    aria-label={`Rotate ${a.name} ${a.keyPrefix}`}
                    onClick={() => void act(() => fetchConsole(`/api/console/agents/${a.id}/rotate`, { method: "POST" }))}
                  >
                    Rotate
                  </button>
                  <button
                    type="button"
                    className="text-red-700"
                    aria-label={`Revoke ${a.name} ${a.keyPrefix}`}
                    onClick={() => void act(() => fetchConsole(`/api/console/agents/${a.id}/revoke`, { method: "POST" }))}
                  >
                    Revoke
                  </button>
                </span>
              )}
            </Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
