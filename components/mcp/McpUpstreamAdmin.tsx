"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { PendingMcpChange, UpstreamView } from "@/lib/mcp/upstreams";
import type { McpCallsView } from "@/lib/mcp/sweep";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";

type Data = { upstreams: UpstreamView[]; pending: PendingMcpChange[]; stdio_commands: string[]; calls: McpCallsView };

const statusTone = (s: string) => (s === "approved" ? "green" : s === "changed" ? "red" : "amber");

/** Upstreams with health and tools (the diff of a changed one), the credential form (write-only) and pending changes. */
export function McpUpstreamAdmin() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: adminKeys.mcpUpstreams(), queryFn: () => fetchConsole<Data>("/api/console/mcp-upstreams") });
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState({ name: "", url: "", stdio: "" });
  const [cred, setCred] = useState<Record<string, { tenant: string; env: string; bearer: string }>>({});

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      await qc.invalidateQueries({ queryKey: adminKeys.mcpUpstreams() });
    } catch (e) {
      setError(e instanceof Error ? e.message : "Request failed.");
    }
  };
  const post = (url: string, body: unknown, method = "POST") => fetchConsole(url, { method, body: JSON.stringify(body) });

  if (q.isPending) return <p className="text-sm text-slate-500">Loading…</p>;
  if (q.isError) return <p role="alert">{q.error.message}</p>;
  const { upstreams, pending, stdio_commands, calls } = q.data;
  return (
    <div className="space-y-6">
      {error && (
        <p role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-800">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-2 text-sm text-emerald-800">
          {notice}
        </p>
      )}

      <section aria-labelledby="mcp-calls">
        <h2 id="mcp-calls" className="text-lg font-semibold">
          Approved calls being run ({calls.running.length}) and failed-unknown ({calls.failed_unknown.length})
        </h2>
        <p className="text-sm text-slate-600">
          A call Gatehouse claimed but never finished (its instance stopped) is closed as failed-unknown after a bound: never run again, audited, and the agent told. Check the
          upstream before anyone retries it.
        </p>
        {calls.running.length + calls.failed_unknown.length > 0 && (
          <ul className="mt-2 space-y-1 text-sm">
            {calls.running.map((c) => (
              <li key={c.action_id} className="flex flex-wrap items-center gap-2 rounded border p-2">
                <Badge tone={c.stuck ? "red" : "amber"}>{c.stuck ? "stuck" : "running"}</Badge>
                <span className="font-mono break-all">{c.tool}</span>
                <span className="text-slate-600">
                  {c.tenant}/{c.env} · {c.route} · claimed {new Date(c.claimed_at).toLocaleString()}
                </span>
                <a className="underline" href={`/actions/${encodeURIComponent(c.action_id)}`}>
                  {c.action_id}
                </a>
              </li>
            ))}
            {calls.failed_unknown.map((c) => (
              <li key={c.action_id} className="flex flex-wrap items-center gap-2 rounded border p-2">
                <Badge tone="red">failed-unknown</Badge>
                <span className="font-mono break-all">{c.tool}</span>
                <span className="text-slate-600">
                  {c.tenant}/{c.env} · {c.route} · closed {new Date(c.at).toLocaleString()}
                </span>
                <a className="underline" href={`/actions/${encodeURIComponent(c.action_id)}`}>
                  {c.action_id}
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="mcp-pending">
        <h2 id="mcp-pending" className="text-lg font-semibold">
          Pending changes ({pending.length})
        </h2>
        <ul className="mt-2 space-y-2">
          {pending.map((p) => (
            <li key={p.requestSeq} className="flex items-center gap-3 rounded border p-2 text-sm">
              <span className="flex-1">{p.summary}</span>
              <button className="rounded border px-2 py-1" onClick={() => act(() => post(`/api/console/mcp-upstreams/changes/${p.requestSeq}/approve`, {}), "Applied.")}>
                Approve
              </button>
              <button className="rounded border px-2 py-1" onClick={() => act(() => post(`/api/console/mcp-upstreams/changes/${p.requestSeq}/reject`, {}), "Rejected.")}>
                Reject
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="mcp-register" className="space-y-2">
        <h2 id="mcp-register" className="text-lg font-semibold">
          Register an upstream
        </h2>
        <div className="flex flex-wrap gap-2 text-sm">
          <input
            aria-label="Name"
            placeholder="name (e.g. helpdesk)"
            className="rounded border px-2 py-1"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
          <input
            aria-label="Streamable HTTP URL"
            placeholder="https://…/mcp"
            className="rounded border px-2 py-1"
            value={form.url}
            onChange={(e) => setForm({ ...form, url: e.target.value, stdio: "" })}
          />
          <select
            aria-label="Or a stdio command from server configuration"
            className="rounded border px-2 py-1"
            value={form.stdio}
            onChange={(e) => setForm({ ...form, stdio: e.target.value, url: "" })}
          >
            <option value="">— or a configured stdio command —</option>
            {stdio_commands.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <button
            className="rounded border px-2 py-1"
            onClick={() =>
              act(
                () =>
                  post("/api/console/mcp-upstreams", {
                    change: form.stdio
                      ? { op: "register", name: form.name, transport: "stdio", stdio_command: form.stdio }
                      : { op: "register", name: form.name, transport: "http", url: form.url },
                  }),
                "Requested: a second admin must approve the registration.",
              )
            }
          >
            Request registration
          </button>
        </div>
      </section>

      {upstreams.map((u) => {
        const c = cred[u.id] ?? { tenant: "", env: "prod", bearer: "" };
        return (
          <section key={u.id} aria-label={`Upstream ${u.name}`} className="space-y-2 rounded border p-3">
            <h2 className="text-lg font-semibold">
              {u.name} <Badge tone={u.status === "active" ? "green" : "amber"}>{u.status}</Badge>
            </h2>
            <p className="text-sm text-slate-600">
              {u.transport === "http" ? u.url : `stdio: ${u.stdio_command}`} · last ok {u.health.last_ok_at ? new Date(u.health.last_ok_at).toLocaleString() : "never"}
              {u.health.last_error && ` · last error ${u.health.last_error_at ? new Date(u.health.last_error_at).toLocaleString() : ""}: ${u.health.last_error}`}
            </p>
            <p className="text-sm">Credentials set for: {u.credentials.map((x) => `${x.tenant}/${x.env}`).join(", ") || "none"} (values are never shown)</p>
            <div className="flex flex-wrap gap-2 text-sm">
              <input
                aria-label="Tenant"
                placeholder="tenant"
                className="rounded border px-2 py-1"
                value={c.tenant}
                onChange={(e) => setCred({ ...cred, [u.id]: { ...c, tenant: e.target.value } })}
              />
              <select aria-label="Environment" className="rounded border px-2 py-1" value={c.env} onChange={(e) => setCred({ ...cred, [u.id]: { ...c, env: e.target.value } })}>
                <option>prod</option>
                <option>staging</option>
                <option>dev</option>
              </select>
              <input
                aria-label="Bearer token"
                type="password"
                autoComplete="off"
                placeholder="bearer token"
                className="rounded border px-2 py-1"
                value={c.bearer}
                onChange={(e) => setCred({ ...cred, [u.id]: { ...c, bearer: e.target.value } })}
              />
              <button
                className="rounded border px-2 py-1"
                onClick={() =>
                  act(() => post(`/api/console/mcp-upstreams/${u.id}/credential`, c, "PUT").then(() => setCred({ ...cred, [u.id]: { ...c, bearer: "" } })), "Credential saved.")
                }
              >
                Save credential
              </button>
              <button
                className="rounded border px-2 py-1"
                onClick={() => act(() => post(`/api/console/mcp-upstreams/${u.id}/sync`, { tenant: c.tenant, env: c.env }), "Tools re-read.")}
              >
                Re-read tools
              </button>
            </div>
            <Table head={["Tool", "Status", "Suggested", "Results", "Diff"]}>
              {u.tools.map((t) => (
                <tr key={t.tool}>
                  <Td>{t.tool}</Td>
                  <Td>
                    <Badge tone={statusTone(t.status)}>{t.status === "changed" ? "changed — withheld" : t.status}</Badge>
                  </Td>
                  <Td>{t.suggested_kind}</Td>
                  <Td>{t.redact_results ? "secrets redacted" : "byte-exact"}</Td>
                  <Td>
                    {t.diff ? (
                      <div className="space-y-1 text-xs">
                        <p>
                          <del>{t.diff.description[0]}</del>
                        </p>
                        <p>
                          <ins>{t.diff.description[1]}</ins>
                        </p>
                        {t.diff.schema[0] !== t.diff.schema[1] && <p>input schema changed</p>}
                        <button
                          className="rounded border px-2 py-1"
                          onClick={() => act(() => post("/api/console/mcp-upstreams", { change: { op: "reapprove", tool: t.tool, pin: t.pin } }), "Re-approval requested.")}
                        >
                          Request re-approval
                        </button>
                      </div>
                    ) : (
                      "—"
                    )}
                  </Td>
                </tr>
              ))}
            </Table>
          </section>
        );
      })}
    </div>
  );
}
