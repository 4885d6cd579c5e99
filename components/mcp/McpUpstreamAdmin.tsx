"use client";

import Link from "next/link";
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { PendingMcpChange, UpstreamView } from "@/lib/mcp/upstreams";
import type { McpCallsView } from "@/lib/mcp/sweep";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";

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
  const [classifying, setClassifying] = useState<string | null>(null);

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
          Approved calls being run ({calls.running_total.toLocaleString("en-US")}) and failed-unknown ({calls.failed_unknown_total.toLocaleString("en-US")})
        </h2>
        {calls.running.length < calls.running_total || calls.failed_unknown.length < calls.failed_unknown_total ? (
          <p className="text-xs font-medium text-amber-800" data-testid="mcp-calls-partial">
            Listed below: the {calls.running.length.toLocaleString("en-US")} running the longest and the latest {calls.failed_unknown.length.toLocaleString("en-US")}{" "}
            failed-unknown; every failed-unknown call is in{" "}
            <Link className="underline" href="/audit?type=mcp.call_failed_unknown">
              the audit log
            </Link>
            .
          </p>
        ) : null}
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
                  {c.tenant}/{c.env} · {c.route} · claimed {formatDateTime(c.claimed_at)}
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
                  {c.tenant}/{c.env} · {c.route} · closed {formatDateTime(c.at)}
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
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="text-lg font-semibold">
                {u.name} <Badge tone={u.status === "active" ? "green" : "amber"}>{u.status}</Badge>
              </h2>
              {u.status === "active" ? (
                <button
                  className="rounded border border-red-300 px-2 py-1 text-sm text-red-800"
                  onClick={() => {
                    if (!window.confirm(`Disable ${u.name} now? Its tools are withheld from every agent at once; turning it back on takes a second admin.`)) return;
                    void act(() => post(`/api/console/mcp-upstreams/${u.id}/disable`, {}), `${u.name} is disabled: its tools are withheld.`);
                  }}
                >
                  Disable upstream
                </button>
              ) : (
                <button
                  className="rounded border px-2 py-1 text-sm"
                  onClick={() =>
                    act(() => post("/api/console/mcp-upstreams", { change: { op: "enable", upstream: u.name } }), `Asked to turn ${u.name} back on: a second admin applies it.`)
                  }
                >
                  Request re-enable
                </button>
              )}
            </div>
            <p className="text-sm text-slate-600">
              {u.transport === "http" ? u.url : `stdio: ${u.stdio_command}`} · last ok {u.health.last_ok_at ? formatDateTime(u.health.last_ok_at) : "never"}
              {u.health.last_error && ` · last error ${u.health.last_error_at ? formatDateTime(u.health.last_error_at) : ""}: ${u.health.last_error}`}
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
              <button
                className="rounded border px-2 py-1 disabled:opacity-50"
                disabled={!c.tenant}
                title={c.tenant ? undefined : "Enter the tenant and environment whose credential to remove"}
                onClick={() => {
                  if (!window.confirm(`Remove ${u.name}'s credential for ${c.tenant}/${c.env}? Its tools are hidden there and its calls fail at once.`)) return;
                  void act(() => post(`/api/console/mcp-upstreams/${u.id}/credential`, { tenant: c.tenant, env: c.env }, "DELETE"), `Credential for ${c.tenant}/${c.env} removed.`);
                }}
              >
                Remove credential
              </button>
            </div>
            <Table head={["Tool", "Status", "Suggested", "Results", "Diff", "Classification"]}>
              {u.tools.map((t) => (
                <tr key={t.tool}>
                  <Td>
                    <span className="font-mono break-all">{t.tool}</span>
                    <p className="text-xs text-slate-600">{t.description}</p>
                  </Td>
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
                  <Td>
                    <div className="flex flex-col gap-1">
                      {t.idempotent && <span className="text-xs text-slate-600">declared idempotent</span>}
                      <button
                        className="rounded border px-2 py-1"
                        aria-label={`${t.status === "unclassified" ? "Classify" : "Reclassify"} ${t.tool}`}
                        onClick={() => setClassifying(t.tool)}
                      >
                        {t.status === "unclassified" ? "Classify" : "Reclassify"}
                      </button>
                      {t.redact_results && (
                        <button
                          className="rounded border px-2 py-1"
                          aria-label={`Request byte-exact results for ${t.tool}`}
                          onClick={() =>
                            act(
                              () => post("/api/console/mcp-upstreams", { change: { op: "redaction_off", tool: t.tool } }),
                              "Requested: a second admin must approve turning off secret redaction for this tool's results.",
                            )
                          }
                        >
                          Byte-exact results…
                        </button>
                      )}
                    </div>
                  </Td>
                </tr>
              ))}
            </Table>
            {u.tools
              .filter((t) => t.tool === classifying)
              .map((t) => (
                <ClassifyForm
                  key={t.tool}
                  tool={t}
                  onCancel={() => setClassifying(null)}
                  onSubmit={(change) =>
                    act(() => post("/api/console/mcp-upstreams", { change }).then(() => setClassifying(null)), "Requested: a second admin must approve the classification.")
                  }
                />
              ))}
          </section>
        );
      })}
    </div>
  );
}

type ToolView = UpstreamView["tools"][number];

/**
 * Classify (or reclassify) an imported tool: its kind (the upstream's hints only
 * pre-fill it), the summary reviewers read, blast radius and undo, as native
 * tools have, and whether it is idempotent. Sent as a request; a second admin
 * applies it, bound to the pin shown here (a tool changed meanwhile is refused).
 */
function ClassifyForm({ tool, onCancel, onSubmit }: { tool: ToolView; onCancel: () => void; onSubmit: (change: Record<string, unknown>) => void }) {
  const short = tool.tool.slice(tool.tool.indexOf(".") + 1);
  const [f, setF] = useState({
    kind: tool.suggested_kind,
    summary: `${short.replace(/_/g, " ")}`,
    scope: "",
    records: "1",
    blast: "",
    reversible: false,
    via: "",
    undoNote: "",
    idempotent: tool.idempotent,
  });
  const field = "rounded border px-2 py-1";
  const records = Number(f.records);
  const ready = f.summary.trim() && f.scope.trim() && f.blast.trim() && f.undoNote.trim() && Number.isInteger(records) && records >= 0 && (!f.reversible || f.via.trim());
  return (
    <form
      aria-label={`Classify ${tool.tool}`}
      className="space-y-2 rounded border border-slate-300 bg-slate-50 p-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit({
          op: "classify",
          tool: tool.tool,
          pin: tool.pin,
          kind: f.kind,
          summary_template: f.summary.trim(),
          blast_radius: { scope: f.scope.trim(), records, description: f.blast.trim() },
          undo: f.reversible ? { reversible: true, via: f.via.trim(), note: f.undoNote.trim() } : { reversible: false, note: f.undoNote.trim() },
          idempotent: f.idempotent,
        });
      }}
    >
      <h3 className="font-semibold">
        Classify <span className="font-mono break-all">{tool.tool}</span>
      </h3>
      <p className="text-slate-600">
        The upstream suggests <strong>{tool.suggested_kind}</strong> (its own hints, not a decision). A second admin applies this, pinned to what the upstream serves now.
      </p>
      <div className="grid gap-2 sm:grid-cols-2">
        <label className="flex flex-col gap-1">
          Kind
          <select className={field} value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value })}>
            <option value="read">read</option>
            <option value="write">write</option>
            <option value="destructive">destructive</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Summary template (reviewers read it; {"{arg}"} fills in an argument)
          <input className={field} value={f.summary} onChange={(e) => setF({ ...f, summary: e.target.value })} />
        </label>
        <label className="flex flex-col gap-1">
          Blast radius: what it touches
          <input className={field} placeholder="one ticket" value={f.scope} onChange={(e) => setF({ ...f, scope: e.target.value })} />
        </label>
        <label className="flex flex-col gap-1">
          Records touched (estimate)
          <input className={field} inputMode="numeric" value={f.records} onChange={(e) => setF({ ...f, records: e.target.value })} />
        </label>
        <label className="flex flex-col gap-1 sm:col-span-2">
          Blast radius: description
          <input className={field} value={f.blast} onChange={(e) => setF({ ...f, blast: e.target.value })} />
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={f.reversible} onChange={(e) => setF({ ...f, reversible: e.target.checked })} />
          Reversible
        </label>
        {f.reversible && (
          <label className="flex flex-col gap-1">
            Undone by (tool)
            <input className={field} value={f.via} onChange={(e) => setF({ ...f, via: e.target.value })} />
          </label>
        )}
        <label className="flex flex-col gap-1 sm:col-span-2">
          Undo note
          <input className={field} value={f.undoNote} onChange={(e) => setF({ ...f, undoNote: e.target.value })} />
        </label>
        <label className="flex items-center gap-2 sm:col-span-2">
          <input type="checkbox" checked={f.idempotent} onChange={(e) => setF({ ...f, idempotent: e.target.checked })} />
          Idempotent (the same call twice has the effect of one)
        </label>
      </div>
      <div className="flex gap-2">
        <button type="submit" className="rounded border bg-white px-2 py-1 disabled:opacity-50" disabled={!ready}>
          Request classification
        </button>
        <button type="button" className="rounded border bg-white px-2 py-1" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
