"use client";

import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ROLES, type Role } from "@/lib/auth/roles";
import type { SsoMappingRow } from "@/lib/users/sso-mappings";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge } from "@/components/ui/Badge";

/**
 * Which identity-provider groups sign in with which roles and scopes. Adding
 * access is a request another admin approves under Pending role grants;
 * removing a role or a group applies at once (live sessions follow within the
 * SSO re-check interval).
 */
export function SsoMappings({ onChanged }: { onChanged: () => void }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: adminKeys.ssoMappings(), queryFn: () => fetchConsole<{ mappings: SsoMappingRow[] }>("/api/console/sso-mappings") });
  const [group, setGroup] = useState("");
  const [roles, setRoles] = useState<Role[]>(["reviewer"]);
  const [scopes, setScopes] = useState("*");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(body: { group: string; roles: Role[]; scopes: string[] }) {
    setMessage(null);
    try {
      const r = await fetchConsole<{ status: string }>("/api/console/sso-mappings", { method: "PUT", body: JSON.stringify(body) });
      setMessage({ ok: true, text: r.status === "pending" ? `Requested for ${body.group}: another admin approves it under Pending role grants.` : `Saved ${body.group}.` });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      await qc.invalidateQueries({ queryKey: adminKeys.ssoMappings() });
      onChanged();
    }
  }
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const list = scopes
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    void save({ group: group.trim(), roles, scopes: list.length ? list : ["*"] });
  }
  const rows = q.data?.mappings ?? [];
  return (
    <section aria-label="Single sign-on groups" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <h2 className="text-sm font-semibold">Single sign-on groups</h2>
      <p className="text-xs text-slate-500">
        People who sign in through the identity provider get the roles and scopes of their mapped groups, and nothing else. A group nobody maps signs in to nothing.
      </p>
      {rows.length === 0 ? <p className="text-sm text-slate-500">No group is mapped.</p> : null}
      <ul className="divide-y divide-slate-100 text-sm">
        {rows.map((m) => (
          <li key={m.group} data-testid={`sso-group-${m.group}`} className="flex flex-wrap items-center gap-2 py-1.5">
            <span className="font-mono text-xs">{m.group}</span>
            {m.roles.map((r) => (
              <Badge key={r} tone="blue">
                {r}
              </Badge>
            ))}
            <span className="text-xs text-slate-600">on {m.scopes}</span>
            <button
              type="button"
              className="ml-auto text-xs text-red-700 hover:underline"
              aria-label={`Remove group ${m.group}`}
              onClick={() => void save({ group: m.group, roles: [], scopes: ["*"] })}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">Group</span>
          <input value={group} onChange={(e) => setGroup(e.target.value)} required className="rounded-md border border-slate-300 px-2 py-1 font-mono text-xs" />
        </label>
        <fieldset className="flex flex-wrap items-center gap-2">
          <legend className="text-xs font-medium text-slate-700">Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
              {r}
            </label>
          ))}
        </fieldset>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">Scopes (tenant/env, * for all)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} className="rounded-md border border-slate-300 px-2 py-1 font-mono text-xs" />
        </label>
        <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 text-xs font-medium text-white hover:bg-slate-800">
          Save group
        </button>
      </form>
      {message ? (
        <p role={message.ok ? "status" : "alert"} className={`text-xs ${message.ok ? "text-emerald-800" : "text-red-700"}`}>
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
