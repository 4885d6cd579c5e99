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
import { formatDateTime } from "@/components/ui/format-time";
import { UntrustedFence, UntrustedText } from "@/components/approvals/UntrustedText";

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
          <dt className="text-slate-600">On-call</dt>
          <dd>{s.user_email}</dd>
          <dt className="text-slate-600">Reason</dt>
          <dd>{s.reason}</dd>
          <dt className="text-slate-600">Started</dt>
          <dd>{formatDateTime(s.started_at)}</dd>
          <dt className="text-slate-600">Ended</dt>
          <dd>{s.open ? <Badge tone="red">still open</Badge> : formatDateTime(s.ended_at)}</dd>
          <dt className="text-slate-600">Review</dt>
          <dd data-testid="review-state">
            {s.review ? `Acknowledged by ${s.review.by_email} at ${formatDateTime(s.review.at)}${s.review.note ? ` — ${s.review.note}` : ""}` : "Not yet acknowledged"}
          </dd>
        </dl>
      </Section>
      <Section title={`Done under this session (${data.eventsTotal.toLocaleString("en-US")})`}>
        {data.truncated ? (
          <p className="mb-2 text-sm text-amber-800" data-testid="review-truncated">
            The first {data.events.length.toLocaleString("en-US")} are listed here;{" "}
            <Link className="text-sky-700 underline" href={`/audit?break_glass_session_id=${encodeURIComponent(s.id)}`}>
              all {data.eventsTotal.toLocaleString("en-US")} in the audit log
            </Link>
            . Every action approved or minted under the session is below.
          </p>
        ) : null}
        <Table label="Acts under break-glass" head={["#", "Time", "Type", "Actor", "Tool", "Action", "Status"]} empty="Nothing was done under this session.">
          {data.events.map((e) => (
            <tr key={e.seq}>
              <Td className="tabular-nums">
                <Link className="text-sky-700 underline" href={`/audit/${e.seq}`}>
                  {e.seq}
                </Link>
              </Td>
              <Td className="whitespace-nowrap text-xs">{formatDateTime(e.at)}</Td>
              <Td className="font-mono text-xs">{e.type}</Td>
              <Td className="text-xs">
                {e.actor_id ? (
                  <span title={`${e.actor_type}:${e.actor_id}`} data-testid="review-actor">
                    {data.actors[e.actor_id] ?? `${e.actor_type}:${e.actor_id}`}
                  </span>
                ) : (
                  e.actor_type
                )}
              </Td>
              <Td className="font-mono text-xs">{e.tool ?? "–"}</Td>
              <Td className="font-mono text-xs">{e.action_id ?? "–"}</Td>
              <Td className="text-xs">{e.status ?? "–"}</Td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section title={`Approved or minted under this session (${data.actions.length})`}>
        {data.actions.length === 0 ? <p className="text-sm text-slate-600">No action.</p> : null}
        <ul className="space-y-2">
          {data.actions.map((a) => (
            <li key={a.id} className="rounded border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="review-action">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-xs">{a.tool}</span>
                <Badge tone="slate">{a.status}</Badge>
                <Link className="font-mono text-xs text-sky-700 underline" href={`/actions/${encodeURIComponent(a.id)}`}>
                  {a.id}
                </Link>
              </div>
              <UntrustedFence label="Arguments (redacted)">
                <UntrustedText text={prettyArgs(a.args)} />
              </UntrustedFence>
            </li>
          ))}
        </ul>
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

function prettyArgs(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
