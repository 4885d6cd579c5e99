"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiTokenView } from "@/lib/auth/api-tokens";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Table, Td } from "@/components/ui/Table";

const SCOPES = ["policy:read", "policy:write", "policy:approve"] as const;

/**
 * Your API tokens for the policy-as-code CLI: scoped, expiring, shown once.
 * A token's approval never counts as a second admin.
 */
export function ApiTokens() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: adminKeys.apiTokens(), queryFn: () => fetchConsole<{ tokens: ApiTokenView[] }>("/api/console/api-tokens") });
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["policy:read"]);
  const [days, setDays] = useState(30);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: adminKeys.apiTokens() });
  const create = async () => {
    setError(null);
    try {
      const r = await fetchConsole<{ token: string }>("/api/console/api-tokens", { method: "POST", body: JSON.stringify({ name, scopes, expires_in_days: days }) });
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
        For <code>npm run gatehouse -- policy diff|test|apply FILE</code>. A token acts as you, only within its scopes, until it expires or you revoke it. Changes it applies follow
        the same rules as the console; its approvals never count as a second admin.
      </p>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label>
          Name
          <input aria-label="Token name" value={name} onChange={(e) => setName(e.target.value)} className="ml-1 rounded border border-slate-300 p-1" />
        </label>
        {SCOPES.map((s) => (
          <label key={s} className="flex items-center gap-1">
            <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
            {s}
          </label>
        ))}
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
          Copy it now, it is not shown again: <code data-testid="new-api-token">{created}</code>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <Table label="Your API tokens" head={["Name", "Scopes", "Expires", "Last used", ""]}>
        {(list.data?.tokens ?? []).map((t) => (
          <tr key={t.id}>
            <Td>{t.name}</Td>
            <Td className="text-xs">{t.scopes.join(", ")}</Td>
            <Td className="text-xs">{new Date(t.expiresAt).toLocaleString()}</Td>
            <Td className="text-xs">{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}</Td>
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
