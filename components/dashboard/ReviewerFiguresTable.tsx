import type { ReviewerFigures } from "@/lib/reviewers/reviewer-figures";
import { Table, Td } from "@/components/ui/Table";

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);
const secs = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);

/** Each reviewer's last 30 days on the actions the viewer's scopes cover (server-rendered; admins only). */
export function ReviewerFiguresTable({ rows }: { rows: ReviewerFigures[] }) {
  return (
    <section aria-label="Reviewers" className="mt-6 space-y-2">
      <h2 className="text-sm font-semibold">Reviewers, last 30 days</h2>
      <p className="text-xs text-slate-500">
        Time on card is measured by the server, from the card&apos;s first serve to that reviewer to their vote. A reversal is an approval of an action that another reviewer then
        rejected.
      </p>
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
