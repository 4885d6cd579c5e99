"use client";

import { useEffect, useImperativeHandle, useRef, useState, type Ref } from "react";
import { useMutation } from "@tanstack/react-query";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { ApprovalRequestError, postExtend, postVote, type VoteResponse } from "@/components/approvals/approval-api";
import { refusalMessage } from "@/components/approvals/vote-messages";
import { visibleText } from "@/components/approvals/visible-text";

export type DecisionHandle = { approve: () => void; startReject: () => void };

type Props = {
  detail: ActionDetail;
  onDecided: (vote: "approve" | "reject", result: VoteResponse) => void;
  /** The bar shows a refusal itself (once); this only lets the caller refresh. */
  onRefused: (message: string) => void;
  onExtended: () => void;
  ref?: Ref<DecisionHandle>;
};

/**
 * Approve (optional comment) or reject (reason required, sent to the agent).
 * A destructive approval on a stale sign-in asks for the password (step-up).
 * The server decides every rule; this only asks and reports.
 * Time-on-card is measured from this bar's mount, so callers key it by the action id.
 * After the server accepted a vote the buttons stay disabled (no window where
 * Approve re-enables before the refreshed card arrives). A destructive approval
 * asks the reviewer to type the target's id first. Below `md` the bar sticks to
 * the bottom of the screen, so it is always in reach on a phone.
 */
export function DecisionBar({ detail, onDecided, onRefused, onExtended, ref }: Props) {
  const [comment, setComment] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [password, setPassword] = useState("");
  const [needPassword, setNeedPassword] = useState(detail.viewer.stepUpRequired);
  const [error, setError] = useState<string | null>(null);
  const [voted, setVoted] = useState(false);
  const [typed, setTyped] = useState("");
  const confirmTarget = detail.viewer.confirmTarget;
  const confirmed = confirmTarget === null || typed.trim() === confirmTarget;
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // performance.now() when this card was shown (mounted), for time-on-card; read only when voting.
  const shownAt = useRef<number | null>(null);
  useEffect(() => {
    shownAt.current = performance.now();
  }, []);

  const vote = useMutation({
    mutationFn: (v: "approve" | "reject") =>
      postVote(detail.id, {
        vote: v,
        ...(v === "approve" && comment.trim() ? { comment: comment.trim() } : {}),
        ...(v === "reject" ? { reason: reason.trim() } : {}),
        ...(v === "approve" && needPassword && password ? { password } : {}),
        time_on_card_ms: timeOnCardMs(shownAt.current),
      }),
    onSuccess: (result, v) => {
      setVoted(true);
      setError(null);
      setPassword("");
      onDecided(v, result);
    },
    onError: (err) => {
      const reasonCode = err instanceof ApprovalRequestError ? err.reason : undefined;
      if (reasonCode === "step_up_required") {
        setNeedPassword(true);
        setTimeout(() => passwordRef.current?.focus(), 0);
      }
      const message = refusalMessage(reasonCode, err.message);
      // The step-up prompt explains itself; a wrong password keeps the server's wording.
      const shown = reasonCode === "step_up_required" && password ? err.message : message;
      setError(shown);
      onRefused(shown);
    },
  });
  const extend = useMutation({
    mutationFn: () => postExtend(detail.id),
    onSuccess: () => onExtended(),
    onError: (err) => {
      const m = refusalMessage(err instanceof ApprovalRequestError ? err.reason : undefined, err.message);
      setError(m);
      onRefused(m);
    },
  });

  const approve = () => {
    if (vote.isPending || voted || !detail.viewer.canVote) return;
    if (!confirmed) {
      setError(`To approve, type ${confirmTarget} — the id of what this deletes or changes for good.`);
      return;
    }
    if (needPassword && !password) {
      setError("Approving a destructive action needs your password again.");
      passwordRef.current?.focus();
      return;
    }
    vote.mutate("approve");
  };
  const startReject = () => {
    if (voted || !detail.viewer.canReject) return;
    setRejecting(true);
    setTimeout(() => reasonRef.current?.focus(), 0);
  };
  useImperativeHandle(ref, () => ({ approve, startReject }));

  const busy = vote.isPending || voted;
  const approveDisabled = !detail.viewer.canVote || busy || !confirmed;
  const rejectDisabled = !detail.viewer.canReject || busy;
  const firstApprovers = detail.votes.filter((v) => v.vote === "approve");
  // A gateway call has no agent waiting to use a token: the approval is the execution, at once.
  const executesNote = detail.gateway
    ? `Your approval executes the action: Gatehouse calls it at once on the MCP upstream ${detail.gateway.upstream}, with the arguments shown.`
    : "Your approval executes the action.";
  // The wrapper takes the card's spacing margin, so the pinned bar sits flush on the screen's bottom edge.
  return (
    <div>
      <section
        aria-label="Decision"
        data-testid="decision-bar"
        className="fixed inset-x-0 bottom-0 z-30 max-h-[45vh] overflow-auto border-t border-slate-300 bg-slate-50 px-3 py-2 shadow-[0_-4px_12px_rgba(15,23,42,0.12)] md:static md:z-auto md:max-h-none md:rounded-md md:border md:border-slate-200 md:shadow-none"
      >
        {detail.viewer.whyNot ? (
          <p className={`mb-1.5 text-sm font-medium ${detail.viewer.canReject && !detail.viewer.canVote ? "text-red-800" : "text-slate-700"}`} data-testid="why-not">
            {detail.viewer.whyNot}
          </p>
        ) : null}
        {detail.viewer.canVote && firstApprovers.length ? (
          <p className="mb-1.5 text-sm text-slate-800" data-testid="first-approvers">
            Approved first by{" "}
            {firstApprovers.map((v, i) => (
              <span key={v.userEmail} title={v.userEmail}>
                {i ? ", " : ""}
                <strong>{v.userName}</strong>
              </span>
            ))}
            .{detail.viewer.executes ? ` ${executesNote}` : ""}
          </p>
        ) : detail.viewer.canVote && detail.viewer.executes ? (
          <p className="mb-1.5 text-xs text-slate-700" data-testid="executes-note">
            {executesNote}
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="mb-2 rounded bg-red-50 px-2 py-1 text-sm font-medium text-red-800 ring-1 ring-red-200" data-testid="vote-error">
            {error}
          </p>
        ) : null}
        {!rejecting ? (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              approve();
            }}
          >
            <label className="hidden min-w-40 flex-1 flex-col text-xs text-slate-600 sm:flex">
              Comment (optional)
              <input
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                maxLength={2000}
                className="mt-0.5 rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900"
              />
            </label>
            {confirmTarget !== null && detail.viewer.canVote ? (
              <label className="flex min-w-44 flex-1 flex-col text-xs text-slate-700">
                <span>
                  Type <span className="font-mono font-semibold text-slate-900">{visibleText(confirmTarget)}</span> to approve deleting it
                </span>
                <input
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="confirm-target"
                  className="mt-0.5 rounded border border-red-400 bg-white px-2 py-1 font-mono text-sm text-slate-900"
                />
              </label>
            ) : null}
            {needPassword ? (
              <label className="flex w-48 flex-col text-xs text-slate-600">
                Your password (step-up)
                <input
                  ref={passwordRef}
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  className="mt-0.5 rounded border border-amber-400 bg-white px-2 py-1 text-sm text-slate-900"
                />
              </label>
            ) : null}
            <button
              type="submit"
              disabled={approveDisabled}
              aria-keyshortcuts="a"
              className="rounded bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800 disabled:cursor-not-allowed disabled:opacity-50"
            >
              Approve
            </button>
            <button
              type="button"
              disabled={rejectDisabled}
              onClick={startReject}
              aria-keyshortcuts="r"
              className="rounded bg-white px-3 py-1.5 text-sm font-semibold text-red-700 ring-1 ring-red-300 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50"
            >
              Reject
            </button>
            {detail.viewer.canExtend ? (
              <button
                type="button"
                onClick={() => extend.mutate()}
                disabled={extend.isPending}
                className="rounded px-2 py-1.5 text-xs text-slate-600 underline hover:text-slate-900"
              >
                Extend time once
              </button>
            ) : null}
          </form>
        ) : (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (!reason.trim()) {
                setError("A rejection needs a reason; the agent receives it.");
                return;
              }
              vote.mutate("reject");
            }}
          >
            <label className="flex min-w-0 flex-1 basis-56 flex-col text-xs text-slate-600">
              Reason for rejection (sent to the agent)
              <textarea
                ref={reasonRef}
                required
                rows={2}
                maxLength={2000}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
                  if (e.key === "Escape") setRejecting(false);
                }}
                className="mt-0.5 rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900"
              />
            </label>
            <button
              type="submit"
              disabled={rejectDisabled}
              className="rounded bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 disabled:cursor-not-allowed disabled:opacity-50"
            >
              Confirm rejection
            </button>
            <button type="button" onClick={() => setRejecting(false)} className="rounded px-2 py-1.5 text-sm text-slate-600 underline">
              Cancel
            </button>
          </form>
        )}
      </section>
    </div>
  );
}

/** Milliseconds since `shownAt` (a performance.now() reading); 0 if the card has not mounted yet. */
function timeOnCardMs(shownAt: number | null): number {
  const now = performance.now();
  return Math.max(0, Math.round(now - (shownAt ?? now)));
}
