"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { CanaryStats } from "@/lib/canaries/canaries";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Table, Td } from "@/components/ui/Table";

/**
 * Canary actions: enroll a reviewer, place a synthetic, clearly suspicious
 * write in their queue (it can never get a token), and see their catch rate.
 */
export function Canaries() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: adminKeys.canaries(), queryFn: () => fetchConsole<{ reviewers: CanaryStats[] }>("/api/console/canaries") });
  const [target, setTarget] = useState({ route: "support/send", tenant: "acme", env: "prod" });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (fn: () => Promise<unknown>, done: string) => {
    setMessage(null);
    try {
      await fn();
      setMessage({ ok: true, text: done });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      await qc.invalidateQueries({ queryKey: adminKeys.canaries() });
    }
  };
  const rows = q.data?.reviewers ?? [];
  return (
    <section aria-label="Canaries" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <h2 className="text-sm font-semibold">Canaries</h2>
      <p className="text-xs text-slate-500">
        A canary is a synthetic, clearly suspicious write placed in one enrolled reviewer&apos;s queue. It looks like any other card to them, never gets a token and never runs.
        Rejecting it is a catch, approving it a miss.
      </p>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        {(["route", "tenant", "env"] as const).map((k) => (
          <label key={k} className="flex flex-col gap-1">
            <span className="font-medium text-slate-700">Canary {k}</span>
            <input value={target[k]} onChange={(e) => setTarget({ ...target, [k]: e.target.value })} className="rounded-md border border-slate-300 px-2 py-1 font-mono" />
          </label>
        ))}
      </div>
      <Table label="Canary record per reviewer" head={["Reviewer", "Enrolled", "Placed", "Caught", "Missed", "Open", "Catch rate", "Actions"]}>
        {rows.map((r) => (
          <tr key={r.userId} data-testid={`canary-${r.email}`}>
            <Td className="font-mono text-xs">{r.email}</Td>
            <Td>{r.enrolled ? "yes" : "no"}</Td>
            <Td>{r.placed}</Td>
            <Td>{r.caught}</Td>
            <Td>{r.missed}</Td>
            <Td>{r.open}</Td>
            <Td>{r.catchRate === null ? "–" : `${Math.round(r.catchRate * 100)}%`}</Td>
            <Td>
              <span className="flex flex-wrap gap-x-3 gap-y-1 text-xs">
                <button
                  type="button"
                  className="text-sky-700 hover:underline"
                  aria-label={`${r.enrolled ? "Withdraw" : "Enroll"} ${r.email} for canaries`}
                  onClick={() =>
                    void run(
                      () => fetchConsole("/api/console/canaries/enrollment", { method: "PUT", body: JSON.stringify({ user_id: r.userId, enrolled: !r.enrolled }) }),
                      `${r.enrolled ? "Withdrew" : "Enrolled"} ${r.email}.`,
                    )
                  }
                >
                  {r.enrolled ? "Withdraw" : "Enroll"}
                </button>
                {r.enrolled ? (
                  <button
                    type="button"
                    className="text-amber-800 hover:underline"
                    aria-label={`Place a canary for ${r.email}`}
                    onClick={() =>
                      void run(
                        () => fetchConsole("/api/console/canaries", { method: "POST", body: JSON.stringify({ reviewer_id: r.userId, ...target }) }),
                        `Placed a canary for ${r.email}.`,
                      )
                    }
                  >
                    Place canary
                  </button>
                ) : null}
              </span>
            </Td>
          </tr>
        ))}
      </Table>
      {message ? (
        <p role={message.ok ? "status" : "alert"} className={`text-xs ${message.ok ? "text-emerald-800" : "text-red-700"}`}>
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
