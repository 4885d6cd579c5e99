"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { PendingToolChange, SaveToolResult } from "@/lib/catalog/save-tool";
import type { ToolEntry } from "@/lib/policy/types";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge, kindTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { PendingToolChanges } from "@/components/tools/PendingToolChanges";
import { ToolForm } from "@/components/tools/ToolForm";
import { sendToolChange, ToolApiError, type FieldIssue } from "@/components/tools/send-tool-change";
import { draftOf, EMPTY_DRAFT, entryOf, type ToolDraft } from "@/components/tools/tool-draft";

type Editing = { mode: "create" } | { mode: "edit"; entry: ToolEntry } | null;

/** A read changes nothing, so "irreversible" would be a false alarm there. */
function undoCell(e: ToolEntry): { text: string; alarm: boolean } {
  if (e.undo.reversible) return { text: `via ${e.undo.via}`, alarm: false };
  return e.kind === "read" ? { text: "nothing to undo", alarm: false } : { text: "irreversible", alarm: true };
}

/** How the approval card shows this tool: its display spec (masked and hidden fields named) and the preview endpoint. */
function cardNote(e: ToolEntry): string {
  const fields = e.displaySpec?.fields ?? [];
  const masked = fields.filter((f) => f.visibility === "mask").map((f) => f.field);
  const hidden = fields.filter((f) => f.visibility === "hide").map((f) => f.field);
  const spec = fields.length
    ? `Card: custom display spec${masked.length ? `, masks ${masked.join(", ")}` : ""}${hidden.length ? `, hides ${hidden.join(", ")}` : ""}`
    : "Card: every field";
  let preview = "";
  try {
    preview = e.preview ? ` · preview from ${new URL(e.preview.url).host}` : "";
  } catch {
    preview = " · preview endpoint set";
  }
  return spec + preview;
}

function recordsText(n: number): string {
  return n === 0 ? "" : ` · at most ${n.toLocaleString("en-US")} record${n === 1 ? "" : "s"}`;
}

/** The catalog for admins: add, edit, delete tools and decide pending kind changes. */
export function ToolAdmin({ selfId }: { selfId: string }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: adminKeys.tools(),
    queryFn: () => fetchConsole<{ tools: ToolEntry[]; pending: PendingToolChange[] }>("/api/console/tools"),
  });
  const [editing, setEditing] = useState<Editing>(null);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    setIssues([]);
    try {
      setNotice(await fn());
      setEditing(null);
    } catch (e) {
      setError((e as Error).message);
      if (e instanceof ToolApiError) setIssues(e.issues);
    } finally {
      setBusy(false);
      await qc.invalidateQueries({ queryKey: adminKeys.tools() });
    }
  };

  const save = (d: ToolDraft) => {
    const built = entryOf(d);
    if ("error" in built) {
      setError(built.error);
      setIssues([{ path: "argsSchema", message: built.error }]);
      return;
    }
    const create = editing?.mode !== "edit";
    void run(async () => {
      const path = create ? "/api/console/tools" : `/api/console/tools/${encodeURIComponent(d.name)}`;
      const r = await sendToolChange<SaveToolResult>(path, create ? "POST" : "PUT", { entry: built.entry });
      if (r.status === "pending") return `Not applied yet: ${r.widening.join(" ")} A second admin must approve it below.`;
      return `${create ? "Added" : "Saved"} ${d.name.trim()}.`;
    });
  };

  const remove = (name: string) => {
    if (!window.confirm(`Delete ${name}? Agents naming it are denied as an unknown tool from the next call.`)) return;
    void run(async () => {
      await sendToolChange(`/api/console/tools/${encodeURIComponent(name)}`, "DELETE");
      return `Deleted ${name}.`;
    });
  };

  const decide = (seq: number, decision: "approve" | "reject") =>
    void run(async () => {
      await sendToolChange(`/api/console/tools/changes/${seq}/${decision}`, "POST");
      return decision === "approve" ? "Approved: the tool change is applied." : "Rejected: the catalog is unchanged.";
    });

  const tools = q.data?.tools ?? [];
  return (
    <div className="space-y-4">
      <PendingToolChanges pending={q.data?.pending ?? []} selfId={selfId} onDecide={decide} />
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p role="status" data-testid="tool-result" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {notice}
        </p>
      ) : null}
      {q.isError ? (
        <p role="alert" className="text-sm text-red-700">
          {(q.error as Error).message}
        </p>
      ) : null}
      {editing ? (
        <ToolForm
          key={editing.mode === "edit" ? editing.entry.name : "new"}
          initial={editing.mode === "edit" ? draftOf(editing.entry) : EMPTY_DRAFT}
          editing={editing.mode === "edit"}
          issues={issues}
          busy={busy}
          onSubmit={save}
          onCancel={() => {
            setEditing(null);
            setIssues([]);
            setError(null);
          }}
        />
      ) : (
        <button
          type="button"
          className="rounded bg-slate-900 px-3 py-1.5 text-sm text-white"
          onClick={() => {
            setEditing({ mode: "create" });
            setIssues([]);
            setNotice(null);
          }}
        >
          New tool
        </button>
      )}
      <Table label="Tool catalog" head={["Tool", "Kind", "Summary", "Blast radius", "Undo", ""]}>
        {tools.map((t) => (
          <tr key={t.name} data-testid={`tool-${t.name}`}>
            <Td className="font-mono text-xs">{t.name}</Td>
            <Td>
              <Badge tone={kindTone(t.kind)}>{t.kind}</Badge>
            </Td>
            <Td>
              <div>{t.summaryTemplate}</div>
              {t.description ? <div className="text-xs text-slate-500">{t.description}</div> : null}
              <div className="text-xs text-slate-500">{cardNote(t)}</div>
            </Td>
            <Td className="text-xs">
              {t.blastRadius.scope}
              <span className="text-slate-500">{recordsText(t.blastRadius.records)}</span>
            </Td>
            <Td className={`text-xs ${undoCell(t).alarm ? "font-medium text-red-700" : t.kind === "read" && !t.undo.reversible ? "text-slate-500" : ""}`}>{undoCell(t).text}</Td>
            <Td>
              <span className="flex gap-3 text-xs">
                <button
                  type="button"
                  className="text-sky-700 hover:underline"
                  aria-label={`Edit ${t.name}`}
                  onClick={() => {
                    setEditing({ mode: "edit", entry: t });
                    setIssues([]);
                    setNotice(null);
                  }}
                >
                  Edit
                </button>
                <button type="button" className="text-red-700 hover:underline" aria-label={`Delete ${t.name}`} onClick={() => remove(t.name)}>
                  Delete
                </button>
              </span>
            </Td>
          </tr>
        ))}
      </Table>
      {q.isSuccess && tools.length === 0 ? <p className="text-sm text-slate-500">The catalog is empty. Unknown tools are always denied.</p> : null}
    </div>
  );
}
