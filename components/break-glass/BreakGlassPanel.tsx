"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { useActiveBreakGlass } from "@/components/break-glass/use-active-break-glass";
import { OpenBreakGlassForm } from "@/components/break-glass/OpenBreakGlassForm";
import { PendingApprovals } from "@/components/break-glass/PendingApprovals";
import { MintTokenForm } from "@/components/break-glass/MintTokenForm";
import { KillSwitches } from "@/components/kill-switches/KillSwitches";
import { FormError, Section, buttonClass } from "@/components/break-glass/ui";
import { RecentSessions } from "@/components/break-glass/RecentSessions";
import { formatTime } from "@/components/ui/format-time";

/** The on-call's break-glass page: open a session, use its powers while open, see past sessions. `tenants` and `tools` are the kill-switch choices. */
export function BreakGlassPanel({ userId, tenants, tools }: { userId: string; tenants: string[]; tools: string[] }) {
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
              “{mine.reason}” — until {formatTime(mine.expires_at)}. Session <span className="font-mono">{mine.id}</span>
            </p>
            <button type="button" className={`${buttonClass} mt-3`} disabled={end.isPending} onClick={() => end.mutate(mine.id)}>
              End break-glass now
            </button>
            <FormError error={end.error} />
          </Section>
          <PendingApprovals sessionId={mine.id} />
          <MintTokenForm sessionId={mine.id} />
          <KillSwitches tenants={tenants} tools={tools} sessionId={mine.id} />
        </>
      ) : active.isPending ? null : (
        <OpenBreakGlassForm />
      )}
      <RecentSessions />
    </div>
  );
}
