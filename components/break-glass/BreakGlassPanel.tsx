"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { BreakGlassView } from "@/lib/break-glass/list-sessions";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { useActiveBreakGlass } from "@/components/break-glass/use-active-break-glass";
import { OpenBreakGlassForm } from "@/components/break-glass/OpenBreakGlassForm";
import { PendingApprovals } from "@/components/break-glass/PendingApprovals";
import { MintTokenForm } from "@/components/break-glass/MintTokenForm";
import { KillSwitchForm } from "@/components/break-glass/KillSwitchForm";
import { FormError, Section, buttonClass } from "@/components/break-glass/ui";
import { Table, Td } from "@/components/ui/Table";
import { Badge } from "@/components/ui/Badge";

/** The on-call's break-glass page: open a session, use its powers while open, see past sessions. */
export function BreakGlassPanel({ userId }: { userId: string }) {
  const qc = useQueryClient();
  const active = useActiveBreakGlass();
  const mine = active.data?.sessions.find((s) => s.user_id === userId);
  const end = useMutation({
    mutationFn: (id: string) => fetchConsole(`/api/console/break-glass/${id}/close`, { method: "POST", body: "{}" }),
    onSettled: () => void qc.invalidateQueries({ queryKey: breakGlassKeys.all }),
  });
  return (
    <div className="space-y-5">
      {mine ? (
        <>
          <Section title="Your break-glass session is open">
            <p className="text-sm text-slate-700" data-testid="my-break-glass">
              “{mine.reason}” — until {new Date(mine.expires_at).toLocaleTimeString()}. Session <span className="font-mono">{mine.id}</span>
            </p>
            <button type="button" className={`${buttonClass} mt-3`} disabled={end.isPending} onClick={() => end.mutate(mine.id)}>
              End break-glass now
            </button>
            <FormError error={end.error} />
          </Section>
          <PendingApprovals sessionId={mine.id} />
          <MintTokenForm sessionId={mine.id} />
          <KillSwitchForm sessionId={mine.id} />
        </>
      ) : active.isPending ? null : (
        <OpenBreakGlassForm />
      )}
      <RecentSessions />
    </div>
  );
}

function RecentSessions() {
  const { data } = useQuery({
    queryKey: breakGlassKeys.recent(),
    queryFn: () => fetchConsole<{ sessions: BreakGlassView[] }>("/api/console/break-glass"),
    refetchInterval: 2_000,
  });
  const sessions = data?.sessions ?? [];
  if (!sessions.length) return null;
  return (
    <Section title="Recent sessions">
      <Table label="Break-glass sessions" head={["Started", "On-call", "Reason", "State", "Review"]}>
        {sessions.map((s) => (
          <tr key={s.id}>
            <Td className="whitespace-nowrap text-xs">{s.started_at.replace("T", " ").slice(0, 19)}</Td>
            <Td className="text-xs">{s.user_email}</Td>
            <Td className="text-xs">{s.reason}</Td>
            <Td>{s.open ? <Badge tone="red">open</Badge> : <Badge>ended</Badge>}</Td>
            <Td className="text-xs">
              <Link className="text-sky-700 underline" href={`/break-glass/review/${s.id}`}>
                {s.review ? `acknowledged by ${s.review.by_email}` : s.open ? "view" : "awaiting review"}
              </Link>
            </Td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}
