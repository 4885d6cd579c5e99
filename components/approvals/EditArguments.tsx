"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { diffLines } from "diff";
import { fetchConsole } from "@/components/console/fetch-console";
import { approvalKeys } from "@/components/queue/query-keys";
import { editableJson, visibleText } from "@/components/approvals/visible-text";
import { UntrustedFence } from "@/components/approvals/UntrustedText";

type EditInfo = { edited: false } | { edited: true; original: unknown; final: unknown; editor: string; editedAt: string; originalArgsHash: string };

/**
 * Edit before approve (issue 18): a reviewer fixes a pending action's
 * arguments within the tool's schema. The edited call is decided again,
 * earlier votes are void, and the editor's own vote never counts for it; the
 * card shows the edit as a diff against the agent's proposal.
 */
export function EditArguments({ actionId, pending, argsDisplay }: { actionId: string; pending: boolean; argsDisplay: string }) {
  const qc = useQueryClient();
  const info = useQuery({ queryKey: approvalKeys.edit(actionId), queryFn: () => fetchConsole<EditInfo>(`/api/console/actions/${actionId}/edit`) });
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const e = info.data;
  const save = async () => {
    setError(null);
    let args: unknown;
    try {
      args = JSON.parse(text ?? argsDisplay);
    } catch {
      setError("The arguments are not valid JSON.");
      return;
    }
    try {
      await fetchConsole(`/api/console/actions/${actionId}/edit`, { method: "POST", body: JSON.stringify({ args }) });
      setText(null);
      await qc.invalidateQueries({ queryKey: approvalKeys.all });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (e?.edited) {
    const parts = diffLines(JSON.stringify(e.original, null, 2) + "\n", JSON.stringify(e.final, null, 2) + "\n");
    return (
      <section aria-label="Edited arguments" data-testid="edited-args" className="rounded-md border border-violet-300 bg-violet-50 px-3 py-2 text-xs">
        <p className="font-medium">Arguments edited by {e.editor}: the diff against the agent&apos;s proposal. Earlier votes were voided; the editor&apos;s vote does not count.</p>
        <UntrustedFence label="The agent's proposal against the edit">
          <pre tabIndex={0} className="mt-1 max-h-64 overflow-auto font-mono">
            {parts.map((p, i) => (
              <span key={i} className={p.added ? "block bg-emerald-100 text-emerald-900" : p.removed ? "block bg-red-100 text-red-900 line-through" : "block text-slate-600"}>
                {p.value
                  .replace(/\n$/, "")
                  .split("\n")
                  .map((l) => `${p.added ? "+ " : p.removed ? "- " : "  "}${visibleText(l)}`)
                  .join("\n")}
              </span>
            ))}
          </pre>
        </UntrustedFence>
      </section>
    );
  }
  if (!pending) return null;
  return (
    <details className="rounded-md border border-slate-200 bg-white px-3 py-1.5 text-xs" data-testid="edit-args">
      <summary className="cursor-pointer font-medium text-slate-600">Edit arguments before approving</summary>
      <p className="mt-1 text-slate-600">Redacted values show as [REDACTED]: type the real value. The edited call is decided again and needs someone else&apos;s approval.</p>
      <UntrustedFence label="Arguments to edit (they start as the agent's proposal)">
        <textarea
          aria-label="Edited arguments"
          spellCheck={false}
          className="mt-1 h-32 w-full rounded border border-slate-300 p-1 font-mono"
          value={text ?? editableJson(JSON.parse(argsDisplay || "{}"))}
          onChange={(ev) => setText(ev.target.value)}
        />
      </UntrustedFence>
      <button type="button" className="mt-1 rounded bg-violet-700 px-2 py-1 text-white" onClick={() => void save()}>
        Save edited arguments
      </button>
      {error ? (
        <p role="alert" className="mt-1 text-red-700">
          {error}
        </p>
      ) : null}
    </details>
  );
}
