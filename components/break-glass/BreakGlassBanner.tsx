"use client";

import { useActiveBreakGlass } from "@/components/break-glass/use-active-break-glass";
import { formatTime } from "@/components/ui/format-time";

const time = (iso: string) => formatTime(iso);

/** The red banner on every console page, for every signed-in user, while any break-glass session is open. */
export function BreakGlassBanner() {
  const { data } = useActiveBreakGlass();
  const sessions = data?.sessions ?? [];
  if (sessions.length === 0) return null;
  return (
    <div data-testid="break-glass-banner" role="status" className="bg-red-700 px-6 py-2 text-sm font-medium text-white">
      {sessions.map((s) => (
        <p key={s.id}>
          Break-glass is open: {s.user_email} — “{s.reason}” — ends {time(s.expires_at)}. Every act is recorded for review.
        </p>
      ))}
    </div>
  );
}
