"use client";

import { useState } from "react";
import type { PolicyTestRow } from "@/lib/routes/get-route-detail";
import { fetchConsole } from "@/components/console/fetch-console";
import { Badge } from "@/components/ui/Badge";

/**
 * A route's expectations with their result against the active version. Adding
 * one applies at once; deleting one is a request a second admin approves
 * (deleting a test weakens the guard), and the test keeps running until then.
 */
export function PolicyTests({ route, me, tests, tools, onChange }: { route: string; me: string; tests: PolicyTestRow[]; tools: { name: string }[]; onChange: () => void }) {
  const [tool, setTool] = useState("");
  const [expect, setExpect] = useState("denied");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-label="Policy tests" className="space-y-2">
      <h2 className="text-sm font-semibold">Policy tests</h2>
      <p className="text-xs text-slate-500">Every proposed version runs these; a failing one blocks the change. Deleting one takes a second admin.</p>
      <ul className="divide-y divide-slate-100 rounded border border-slate-200 bg-white">
        {tests.map((t) => (
          <li key={t.id} className="flex flex-wrap items-center gap-2 px-3 py-2 text-sm" data-testid="policy-test">
            <Badge tone={t.ok ? "green" : "red"}>{t.ok ? "holds" : "fails"}</Badge>
            <span className="font-mono text-xs">{t.tool}</span>
            <span>{t.expect}</span>
            <span className="text-xs text-slate-500">{t.note}</span>
            {t.deleteRequestedById ? (
              <span className="ml-auto flex flex-wrap items-center gap-2 text-xs">
                <Badge tone="amber">deletion requested by {t.deleteRequestedBy}</Badge>
                {t.deleteRequestedById !== me ? (
                  <button
                    type="button"
                    className="text-red-700"
                    aria-label={`Approve deleting test ${t.tool} ${t.expect}`}
                    onClick={() => act(() => fetchConsole(`/api/console/policy-tests/${t.id}/approve-delete`, { method: "POST" }))}
                  >
                    Approve deletion
                  </button>
                ) : null}
                <button
                  type="button"
                  aria-label={`Keep test ${t.tool} ${t.expect}`}
                  onClick={() => act(() => fetchConsole(`/api/console/policy-tests/${t.id}/cancel-delete`, { method: "POST" }))}
                >
                  {t.deleteRequestedById === me ? "Withdraw" : "Keep the test"}
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="ml-auto text-xs text-red-700"
                aria-label={`Delete test ${t.tool} ${t.expect}`}
                onClick={() => act(() => fetchConsole(`/api/console/policy-tests/${t.id}`, { method: "DELETE" }))}
              >
                Delete (needs a second admin)
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="flex flex-wrap items-end gap-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => fetchConsole("/api/console/policy-tests", { method: "POST", body: JSON.stringify({ route, tool, expect, note }) }));
        }}
      >
        <label>
          Tool
          <input
            list="catalog-tools"
            aria-label="Test tool"
            value={tool}
            onChange={(e) => setTool(e.target.value)}
            className="ml-1 rounded border border-slate-300 p-1 font-mono text-xs"
          />
          <datalist id="catalog-tools">
            {tools.map((t) => (
              <option key={t.name} value={t.name} />
            ))}
          </datalist>
        </label>
        <label>
          Expect
          <select aria-label="Expectation" value={expect} onChange={(e) => setExpect(e.target.value)} className="ml-1 rounded border border-slate-300 p-1">
            <option value="denied">denied</option>
            <option value="allowed">allowed</option>
            <option value="requires_approval">requires approval</option>
          </select>
        </label>
        <label>
          Note
          <input aria-label="Test note" value={note} onChange={(e) => setNote(e.target.value)} className="ml-1 rounded border border-slate-300 p-1" />
        </label>
        <button type="submit" className="rounded border border-slate-300 px-2 py-1">
          Add test
        </button>
      </form>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </section>
  );
}
