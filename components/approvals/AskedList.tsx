import type { AskView } from "@/lib/reviewer-groups/asks";
import { formatDateTime } from "@/components/ui/format-time";

const WHY: Record<AskView["reason"], string> = { routed: "routed", escalated: "escalated", reassigned: "reassigned" };

/** The card's "Asked" line: which group or person was asked to decide, why (routed, escalation step, reassigned by whom) and when. */
export function AskedList({ asked }: { asked: readonly AskView[] }) {
  if (!asked.length) return null;
  return (
    <section aria-label="Asked" className="rounded-md border border-violet-200 bg-violet-50 px-3 py-1.5 text-xs text-violet-950" data-testid="card-asked">
      <h3 className="inline font-semibold">Asked: </h3>
      <ul className="inline">
        {asked.map((a, i) => (
          <li key={`${a.reason}-${a.level}`} className="inline" data-testid="asked-entry">
            {i ? " · " : ""}
            <strong>{a.group ?? a.user ?? "someone"}</strong> ({WHY[a.reason]}
            {a.reason === "escalated" ? ` step ${a.level}` : ""}
            {a.askedBy ? ` by ${a.askedBy}` : ""}, <time dateTime={a.at}>{formatDateTime(a.at)}</time>)
          </li>
        ))}
      </ul>
    </section>
  );
}
