"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { BreakGlassView } from "@/lib/break-glass/list-sessions";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { Section } from "@/components/break-glass/ui";
import { Table, Td } from "@/components/ui/Table";
import { Badge } from "@/components/ui/Badge";

/** Recent sessions with their review state; each links to its post-incident review. */
export function RecentSessions() {
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
