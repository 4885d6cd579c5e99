"use client";

/** Approve and Reject for a request a second admin decides (role grants, catalog changes); `subject` names it for screen readers. */
export function DecideButtons({ subject, onDecide }: { subject: string; onDecide: (decision: "approve" | "reject") => void }) {
  return (
    <span className="flex gap-2">
      <button type="button" className="rounded bg-emerald-700 px-2.5 py-1 text-xs text-white" aria-label={`Approve ${subject}`} onClick={() => onDecide("approve")}>
        Approve
      </button>
      <button type="button" className="rounded border border-red-300 px-2.5 py-1 text-xs text-red-700" aria-label={`Reject ${subject}`} onClick={() => onDecide("reject")}>
        Reject
      </button>
    </span>
  );
}
