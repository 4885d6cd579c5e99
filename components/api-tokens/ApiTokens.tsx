"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiTokenView } from "@/lib/auth/api-tokens";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";
import type { Role } from "@/lib/auth/roles";

/** Which token scopes each role may give a token (lib/auth/api-tokens.ts checks the same at creation and at every use). */
const SCOPES: { scope: string; roles: readonly Role[]; what: string }[] = [
  { scope: "actions:read", roles: ["viewer", "reviewer", "admin"], what: "read the queue and cards" },
  { scope: "actions:vote", roles: ["reviewer"], what: "vote on single-approval writes" },
  { scope: "policy:read", roles: ["admin"], what: "policy diff and test" },
  { scope: "policy:write", roles: ["admin"], what: "policy apply" },
  { scope: "policy:approve", roles: ["admin"], what: "approve a policy change (never as the second admin)" },
];

/**
 * Your personal API tokens (a bot, the CLI): a subset of your roles' scopes
 * and of your tenant scopes, expiring within 90 days, shown once, revocable.
 * Every use is audited and re-checked against your roles and scopes as they
 * are then; a token never votes on a destructive action, never uses
 * break-glass and never creates tokens, and its votes never count as a
 * second person.
 */
export function ApiTokens({ roles, tenantScopes }: { roles: readonly Role[]; tenantScopes: string }) {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: adminKeys.apiTokens(), queryFn: () => fetchConsole<{ tokens: ApiTokenView[] }>("/api/console/api-tokens") });
  const [name, setName] = useState("");
  const allowed = SCOPES.filter((s) => s.roles.some((r) => roles.includes(r)));
  const [scopes, setScopes] = useState<string[]>(allowed.slice(0, 1).map((s) => s.scope));
  const [tenants, setTenants] = useState(tenantScopes === "*" ? "*" : tenantScopes.split(",").join(" "));
  const [days, setDays] = useState(30);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: adminKeys.apiTokens() });
  const create = async () => {
    setError(null);
    try {
      const list = tenants
        .split(/[\s,]+/)
        .map((t) => t.trim())
        .filter(Boolean);
      const body = { name, scopes, expires_in_days: days, ...(list.length && tenants.trim() !== "*" ? { tenant_scopes: list } : {}) };
      const r = await fetchConsole<{ token: string }>("/api/console/api-tokens", { method: "POST", body: JSON.stringify(body) });
      setCreated(r.token);
      setName("");
      void refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (id: string) => {
    await fetchConsole(`/api/console/api-tokens/${id}`, { method: "DELETE" }).catch((e: Error) => setError(e.message));
    void refresh();
  };
  return (
    <section aria-label="API tokens" className="space-y-2 rounded-md border border-slate-200 bg-white p-4">
      <h2 className="text-sm font-semibold">API tokens</h2>
      <p className="text-xs text-slate-600">
        For a bot or the CLI (<code>npm run gatehouse -- policy diff|test|apply FILE</code>). A token acts as you, only within its scopes and your roles and tenants as they are at
        each use, until it expires or you revoke it. It never votes on a destructive action, never opens break-glass, and its votes never count as a second person.
      </p>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label>
          Name
          <input aria-label="Token name" value={name} onChange={(e) => setName(e.target.value)} className="ml-1 rounded border border-slate-300 p-1" />
        </label>
        {allowed.map(({ scope: s, what }) => (
          <label key={s} className="flex items-center gap-1" title={what}>
            <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
            {s}
          </label>
        ))}
        <label>
          Tenants
          <input
            aria-label="Token tenant scopes"
            value={tenants}
            onChange={(e) => setTenants(e.target.value)}
            title="tenant/env pairs within yours, * for all of yours"
            className="ml-1 w-40 rounded border border-slate-300 p-1 font-mono text-xs"
          />
        </label>
        <label>
          Expires in (days)
          <input
            aria-label="Token expiry days"
            type="number"
            min={1}
            max={90}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            className="ml-1 w-16 rounded border border-slate-300 p-1"
          />
        </label>
        <button type="button" className="rounded bg-slate-900 px-3 py-1 text-white" onClick={() => void create()}>
          Create token
        </button>
      </div>
      {created ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm">
          Copy it now, it is not shown again:{" "}
          <code data-testid="new-api-token" className="break-all">
            {created}
          </code>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <Table label="Your API tokens" head={["Name", "Scopes", "Tenants", "Expires", "Last used", ""]} empty={list.data ? "You have no API token." : undefined}>
        {(list.data?.tokens ?? []).map((t) => (
          <tr key={t.id}>
            <Td>{t.name}</Td>
            <Td className="text-xs">{t.scopes.join(", ")}</Td>
            <Td className="font-mono text-xs">{t.tenantScopes}</Td>
            <Td className="text-xs">{formatDateTime(t.expiresAt)}</Td>
            <Td className="text-xs">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"}</Td>
            <Td>
              {t.revokedAt ? (
                <span className="text-xs text-slate-500">revoked</span>
              ) : (
                <button type="button" className="text-xs text-red-700" onClick={() => void revoke(t.id)}>
                  Revoke {t.name}
                </button>
              )}
            </Td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
