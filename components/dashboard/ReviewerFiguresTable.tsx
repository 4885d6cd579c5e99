import type { ReviewerFigures } from "@/lib/reviewers/reviewer-figures";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);
const secs = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);

/** Each reviewer's last 30 days on the actions the viewer's scopes cover (server-rendered; admins only). */
export function ReviewerFiguresTable({ rows, capped }: { rows: ReviewerFigures[]; capped: { votes: number; from: string } | null }) {
  return (
    <section aria-label="Reviewers" className="mt-6 space-y-2">
      <h2 className="text-sm font-semibold">Reviewers, last 30 days</h2>
      <p className="text-xs text-slate-500">
        Time on card is measured by the server, from the card&apos;s first serve to that reviewer to their vote. A reversal is an approval of an action that another reviewer then
        rejected.
      </p>
      {capped ? (
        <p className="text-xs font-medium text-amber-800" data-testid="figures-capped">
          Counted from the newest {capped.votes.toLocaleString("en-US")} votes only, cast since {formatDateTime(capped.from)}: older votes of the 30 days are not in these figures.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">No decisions yet.</p>
      ) : (
        <Table label="Reviewer figures" head={["Reviewer", "Decisions", "Approval rate", "Median time on card", "Approvals under 3 s", "Reversals"]}>
          {rows.map((r) => (
            <tr key={r.userId} data-testid={`reviewer-${r.email}`}>
              <Td className="font-mono text-xs">{r.email}</Td>
              <Td>{r.decisions}</Td>
              <Td>{pct(r.approvalRate)}</Td>
              <Td>{secs(r.medianTimeOnCardMs)}</Td>
              <Td className={r.fastApprovals ? "font-medium text-amber-800" : undefined}>{r.fastApprovals}</Td>
              <Td>{r.reversals}</Td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
