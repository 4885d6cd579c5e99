"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { GroupView, RoutingView } from "@/lib/reviewer-groups/groups";
import type { UserRow } from "@/lib/users/manage-users";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { groupKeys } from "@/components/reviewer-groups/query-keys";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";

const field = "rounded border border-slate-300 p-1 text-sm";

/**
 * Reviewer groups (members; adding one is a grant another admin approves
 * under Pending role grants) and, per route and tenant, which group reviews
 * it, who is asked at each escalation step, and the groups a destructive
 * action's two approvers must come from.
 */
export function ReviewerGroups({ routes, selfId }: { routes: string[]; selfId: string }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: groupKeys.all(), queryFn: () => fetchConsole<{ groups: GroupView[]; routing: RoutingView[] }>("/api/console/reviewer-groups") });
  const users = useQuery({ queryKey: adminKeys.users(), queryFn: () => fetchConsole<{ users: UserRow[] }>("/api/console/users") });
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [adding, setAdding] = useState<Record<string, string>>({});
  const [route, setRoute] = useState(routes[0] ?? "");
  const [tenant, setTenant] = useState("*");
  const [group, setGroup] = useState("");
  const [chain, setChain] = useState<string[]>([]);
  const [required, setRequired] = useState<string[]>([]);
  const groups = q.data?.groups ?? [];
  const nameOf = (id: string) => groups.find((g) => g.id === id)?.name ?? id;

  const act = async (fn: () => Promise<unknown>, done: string, pending = "Requested: the member joins when another admin approves it under Pending role grants.") => {
    setError(null);
    setNotice(null);
    try {
      const r = (await fn()) as { status?: string } | undefined;
      setNotice(r?.status === "pending" ? pending : done);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      await qc.invalidateQueries({ queryKey: groupKeys.all() });
      await qc.invalidateQueries({ queryKey: adminKeys.userGrants() });
    }
  };
  const send = (path: string, method: string, body?: unknown) => fetchConsole(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  return (
    <section aria-labelledby="reviewer-groups" className="space-y-3" data-testid="reviewer-groups">
      <h2 id="reviewer-groups" className="text-base font-semibold text-slate-900">
        Reviewer groups and routing
      </h2>
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {notice}
        </p>
      ) : null}
      <form
        className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => send("/api/console/reviewer-groups", "POST", { name: name.trim() }), `Created group ${name.trim()}.`).then(() => setName(""));
        }}
      >
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-600">New group</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="security" className={`${field} w-48`} pattern="[a-z0-9][a-z0-9_\-]{0,62}" />
        </label>
        <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white">
          Create group
        </button>
      </form>
      <Table label="Reviewer groups" head={["Group", "Members", "Add a member"]}>
        {groups.map((g) => (
          <tr key={g.id} data-testid={`group-${g.name}`}>
            <Td className="font-mono text-xs">{g.name}</Td>
            <Td>
              <span className="flex flex-wrap gap-1">
                {g.members.length ? null : <span className="text-xs text-slate-500">no members</span>}
                {g.members.map((m) => (
                  <span key={m.userId} className="inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 text-xs">
                    {m.email}
                    <button
                      type="button"
                      className="text-red-700 hover:underline"
                      aria-label={`Remove ${m.email} from ${g.name}`}
                      onClick={() => void act(() => send(`/api/console/reviewer-groups/${g.id}/members/${m.userId}`, "DELETE"), `Removed ${m.email} from ${g.name}.`)}
                    >
                      ×
                    </button>
                  </span>
                ))}
              </span>
            </Td>
            <Td>
              <span className="flex flex-wrap items-center gap-2">
                <select
                  aria-label={`User to add to ${g.name}`}
                  className={`${field} max-w-56`}
                  value={adding[g.id] ?? ""}
                  onChange={(e) => setAdding((a) => ({ ...a, [g.id]: e.target.value }))}
                >
                  <option value="">choose a user…</option>
                  {(users.data?.users ?? [])
                    .filter((u) => !u.disabled && !g.members.some((m) => m.userId === u.id))
                    .map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.email}
                      </option>
                    ))}
                </select>
                <button
                  type="button"
                  disabled={!adding[g.id]}
                  className="rounded border border-slate-300 px-2 py-1 text-xs disabled:opacity-50"
                  onClick={() => void act(() => send(`/api/console/reviewer-groups/${g.id}/members`, "POST", { user_id: adding[g.id] }), "Requested.")}
                >
                  Request
                </button>
              </span>
            </Td>
          </tr>
        ))}
      </Table>

      <Table label="Route routing" head={["Route", "Tenant", "Reviewed by", "Escalation chain", "Required groups (destructive)", "Waiting for a second admin"]}>
        {(q.data?.routing ?? []).map((r) => (
          <tr key={r.id} data-testid={`routing-${r.routeName}-${r.tenantId}`}>
            <Td className="font-mono text-xs">{r.routeName}</Td>
            <Td className="font-mono text-xs">{r.tenantId === "*" ? "every tenant" : r.tenantId}</Td>
            <Td>{nameOf(r.groupId)}</Td>
            <Td className="text-xs">{r.escalationChain.length ? r.escalationChain.map(nameOf).join(" → ") : "the same group again"}</Td>
            <Td>
              <span className="flex flex-wrap gap-1">
                {r.requiredGroups.length ? (
                  r.requiredGroups.map((g) => (
                    <Badge key={g} tone="violet">
                      {nameOf(g)}
                    </Badge>
                  ))
                ) : (
                  <span className="text-xs text-slate-500">any two reviewers</span>
                )}
              </span>
            </Td>
            <Td className="text-xs">
              {r.pending ? (
                <span className="flex flex-wrap items-center gap-2" data-testid="routing-pending">
                  <span>required: {r.pending.requiredGroups.length ? r.pending.requiredGroups.map(nameOf).join(", ") : "none"}</span>
                  {r.pending.byId === selfId ? (
                    <span className="text-slate-500">your request</span>
                  ) : (
                    <button
                      type="button"
                      className="rounded border border-emerald-300 px-2 py-0.5 text-emerald-800"
                      aria-label={`Approve the required groups of ${r.routeName} for ${r.tenantId}`}
                      onClick={() => void act(() => send(`/api/console/route-reviewers/${r.id}/approve`, "POST", {}), "Approved: the required groups changed.")}
                    >
                      Approve
                    </button>
                  )}
                </span>
              ) : (
                <span className="text-slate-500">nothing</span>
              )}
            </Td>
          </tr>
        ))}
      </Table>
      <form
        className="grid grid-cols-1 gap-3 rounded-md border border-slate-200 bg-white p-3 text-sm sm:grid-cols-2 lg:grid-cols-5"
        aria-label="Set a route's reviewers"
        onSubmit={(e) => {
          e.preventDefault();
          void act(
            () => send("/api/console/route-reviewers", "PUT", { route, tenant: tenant.trim() || "*", group_id: group, escalation_chain: chain, required_groups: required }),
            `Routing for ${route} saved.`,
            "Saved; dropping a required group waits for a second admin (shown in the routing table).",
          );
        }}
      >
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-600">Route</span>
          <select className={field} value={route} onChange={(e) => setRoute(e.target.value)}>
            {routes.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-600">Tenant (* for every tenant)</span>
          <input className={field} value={tenant} onChange={(e) => setTenant(e.target.value)} />
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-600">Reviewed by</span>
          <select required className={field} value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">choose a group…</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-600">Escalation chain, in order</span>
          <select multiple className={`${field} h-20`} value={chain} onChange={(e) => setChain([...e.target.selectedOptions].map((o) => o.value))}>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="flex flex-col gap-0.5">
          <legend className="text-xs text-slate-600">Required groups (up to two)</legend>
          {groups.map((g) => (
            <label key={g.id} className="flex items-center gap-1 text-xs">
              <input
                type="checkbox"
                checked={required.includes(g.id)}
                onChange={(e) => setRequired((r) => (e.target.checked ? [...r, g.id].slice(-2) : r.filter((x) => x !== g.id)))}
              />
              {g.name}
            </label>
          ))}
        </fieldset>
        <div className="sm:col-span-2 lg:col-span-5">
          <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white">
            Save routing
          </button>
          <span className="ml-3 text-xs text-slate-600">Dropping a required group weakens a two-person rule: it waits for a second admin.</span>
        </div>
      </form>
    </section>
  );
}
