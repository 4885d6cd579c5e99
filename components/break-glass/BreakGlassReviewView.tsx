"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { BreakGlassReview } from "@/lib/break-glass/review";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, buttonClass, inputClass } from "@/components/break-glass/ui";
import { Table, Td } from "@/components/ui/Table";
import { Badge } from "@/components/ui/Badge";

/** The session, its acts (audit rows tagged with it) and the acknowledgement. */
export function BreakGlassReviewView({ sessionId, userId }: { sessionId: string; userId: string }) {
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const { data, error } = useQuery({
    queryKey: breakGlassKeys.review(sessionId),
    queryFn: () => fetchConsole<BreakGlassReview>(`/api/console/break-glass/${encodeURIComponent(sessionId)}/review`),
    refetchInterval: 2_000,
  });
  const ack = useMutation({
    mutationFn: () => fetchConsole(`/api/console/break-glass/${encodeURIComponent(sessionId)}/review`, { method: "POST", body: JSON.stringify(note.trim() ? { note } : {}) }),
    onSettled: () => void qc.invalidateQueries({ queryKey: breakGlassKeys.all }),
  });
  if (error) return <FormError error={error} />;
  if (!data) return null;
  const s = data.session;
  return (
    <div className="space-y-5">
      <Section title="Session">
        <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
          <dt className="text-slate-500">On-call</dt>
          <dd>{s.user_email}</dd>
          <dt className="text-slate-500">Reason</dt>
          <dd>{s.reason}</dd>
          <dt className="text-slate-500">Started</dt>
          <dd>{s.started_at}</dd>
          <dt className="text-slate-500">Ended</dt>
          <dd>{s.open ? <Badge tone="red">still open</Badge> : s.ended_at}</dd>
          <dt className="text-slate-500">Review</dt>
          <dd data-testid="review-state">
            {s.review ? `Acknowledged by ${s.review.by_email} at ${s.review.at}${s.review.note ? ` — ${s.review.note}` : ""}` : "Not yet acknowledged"}
          </dd>
        </dl>
      </Section>
      <Section title={`Done under this session (${data.events.length}${data.truncated ? "+" : ""})`}>
        <Table label="Acts under break-glass" head={["#", "Time (UTC)", "Type", "Actor", "Tool", "Action", "Status"]}>
          {data.events.map((e) => (
            <tr key={e.seq}>
              <Td className="tabular-nums">
                <Link className="text-sky-700 underline" href={`/audit/${e.seq}`}>
                  {e.seq}
                </Link>
              </Td>
              <Td className="whitespace-nowrap text-xs">{e.at.replace("T", " ").slice(0, 19)}</Td>
              <Td className="font-mono text-xs">{e.type}</Td>
              <Td className="text-xs">{e.actor_id ? `${e.actor_type}:${e.actor_id}` : e.actor_type}</Td>
              <Td className="font-mono text-xs">{e.tool ?? "–"}</Td>
              <Td className="font-mono text-xs">{e.action_id ?? "–"}</Td>
              <Td className="text-xs">{e.status ?? "–"}</Td>
            </tr>
          ))}
        </Table>
      </Section>
      {!s.review && !s.open ? (
        <Section title="Acknowledge">
          {s.user_id === userId ? <p className="text-sm text-slate-600">This was your session: someone else must acknowledge its review.</p> : null}
          <form
            className="grid max-w-xl gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              ack.mutate();
            }}
          >
            <label className="text-sm font-medium text-slate-700">
              Note
              <textarea className={inputClass} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
            </label>
            <div>
              <button type="submit" className={buttonClass} disabled={ack.isPending}>
                Acknowledge review
              </button>
            </div>
            <FormError error={ack.error} />
          </form>
        </Section>
      ) : null}
    </div>
  );
}
